/**
 * The built server driven by an independent client: the MCP Inspector CLI (0.15), which spawns it over stdio,
 * runs one method and prints the JSON result on stdout.
 *
 * How inspector 0.15 passes tool arguments (cli/build/client/tools.js): every `--tool-arg key=value` is a string
 * (split at the first "="); before calling, it looks the key up in the tool's inputSchema and converts by the
 * property's `type`: number/integer -> Number(value), boolean -> value === "true", object/array -> JSON.parse
 * (left as a string if that fails). Properties without a plain `type` (our anyOf unions: since, until, and
 * sessions_events' sessionKey) stay strings, so a list of patterns cannot be passed through the inspector.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { MAIN_JS, PROJECT_ROOT, run, useSampleStoreCopy } from "./helpers/built-server.js";

const INSPECTOR = join(PROJECT_ROOT, "node_modules", "@modelcontextprotocol", "inspector", "cli", "build", "cli.js");
const MAIN = "agent:main:main";
const SUB1 = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const SUB2 = "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

const sample = useSampleStoreCopy();

type ToolCallOutput = { content: { type: string; text: string }[]; structuredContent?: Page; isError?: boolean };

/** Runs the inspector CLI against the built server; `serverArgs` go to the server, `method` to the inspector. */
async function inspect(serverArgs: string[], method: string[], inspectorOptions: string[] = []): Promise<unknown> {
  const args = [INSPECTOR, ...inspectorOptions, "--cli", process.execPath, MAIN_JS, "--store", sample.box.store, ...serverArgs, ...method];
  const result = await run(process.execPath, args, sample.env, 30_000);
  expect(result.code, `inspector exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

async function callTool(serverArgs: string[], tool: string, toolArgs: Record<string, string>, inspectorOptions: string[] = []) {
  const method = ["--method", "tools/call", "--tool-name", tool];
  for (const [key, value] of Object.entries(toolArgs)) method.push("--tool-arg", `${key}=${value}`);
  return (await inspect(serverArgs, method, inspectorOptions)) as ToolCallOutput;
}

/** A successful tool result: its structuredContent, checked to be the same JSON as its text. */
function page(output: ToolCallOutput): Page {
  expect(output.isError, JSON.stringify(output.content)).not.toBe(true);
  expect(output.content).toHaveLength(1);
  expect(JSON.parse(output.content[0]!.text)).toEqual(output.structuredContent);
  return output.structuredContent!;
}

describe("MCP Inspector CLI against the built server", () => {
  it("tools/list shows the four tools with their schemas and read-only annotations", async () => {
    const out = (await inspect(["--caller", MAIN], ["--method", "tools/list"])) as {
      tools: { name: string; title: string; inputSchema: Record<string, unknown>; outputSchema: Record<string, unknown>; annotations: Record<string, unknown> }[];
    };
    expect(out.tools.map((t) => t.name)).toEqual(["session_events", "sessions_events", "session_state", "sessions_search"]);
    expect(out.tools.map((t) => t.title).slice(0, 2)).toEqual(["Events of one session", "Events across sessions"]);
    for (const tool of out.tools) {
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      expect(tool.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
      expect(tool.outputSchema).toMatchObject({ type: "object" });
    }
  });

  it("tools/call session_events with limit=3 (an integer property, converted to a number)", async () => {
    const p = page(await callTool(["--caller", MAIN], "session_events", { limit: "3" }));
    expect(p.limit).toBe(3);
    expect(p.hasMore).toBe(true);
    expect(p.stoppedBy).toBe("limit");
    expect(p.events.map((e) => [e.session, e.seq, e.type])).toEqual([
      [MAIN, 1, "session_start"],
      [MAIN, 2, "state_change"],
      [MAIN, 3, "message"],
    ]);
    expect(p.events[1]!.payload).toEqual({ key: "thinkingLevel", value: "medium" });
  });

  it("tools/call sessions_events with a pattern and types as a JSON array", async () => {
    const p = page(await callTool(["--caller", MAIN], "sessions_events", { sessionKey: "agent:main:*", types: '["spawn"]' }));
    expect(p.sessionsMatched).toBe(3);
    expect(p.events.map((e) => [e.session, e.type, e.payload.childSessionKey])).toEqual([
      [MAIN, "spawn", SUB1],
      [SUB1, "spawn", SUB2],
    ]);
    expect(p.events[1]!.payload).toMatchObject({ runId: "run_91bc", task: "Cross-check churn figure against CRM export", label: "churn-check" });
  });

  it("passes descendants=true as a boolean: the caller's whole subtree", async () => {
    const p = page(
      await callTool(["--caller", MAIN], "sessions_events", { spawnedBy: "current", descendants: "true", types: '["complete","lifecycle.error"]' }),
    );
    expect(p.events.map((e) => [e.session, e.type, e.payload.status ?? e.payload.toolName])).toEqual([
      [SUB2, "tool_error", "read"],
      [SUB2, "session_end", "failed"],
      [SUB1, "session_end", "done"],
    ]);
  });

  it("passes since (an anyOf property) as a string, in ISO and epoch-ms form", async () => {
    const iso = page(await callTool([], "sessions_events", { agentId: "work", since: "2026-11-19T00:00:00Z", limit: "100" }));
    expect(new Set(iso.events.map((e) => e.session))).toEqual(new Set(["agent:work:main", "agent:work:discord:group:dev"]));
    expect(iso.events).toHaveLength(9);
    expect(iso.window).toEqual({ since: "2026-11-19T00:00:00.000Z", until: null });
    const epoch = page(await callTool([], "sessions_events", { agentId: "work", since: "1795100401000", types: '["message"]' }));
    expect(epoch.events.map((e) => [e.session, e.payload.role])).toEqual([
      ["agent:work:discord:group:dev", "user"],
      ["agent:work:discord:group:dev", "assistant"],
    ]);
  });

  it("shows errors as isError results (exit 0), for a session out of scope and for a non-JSON array", async () => {
    const hidden = await callTool(["--caller", MAIN], "session_events", { sessionKey: "agent:work:main" });
    expect(hidden.isError).toBe(true);
    expect(hidden.content[0]!.text).toBe(
      'No session "agent:work:main" visible to you. Use sessions_events with a pattern (for example "agent:main:*") to see which sessions you can read.',
    );
    const notJson = await callTool(["--caller", MAIN], "sessions_events", { types: "spawn" });
    expect(notJson.isError).toBe(true);
    expect(notJson.content[0]!.text).toMatch(/expected array, received string at types/);
  });

  it("cannot pass a list of patterns (sessionKey is an anyOf, so it stays a literal string)", async () => {
    const p = page(await callTool([], "sessions_events", { sessionKey: '["agent:main:main","agent:work:*"]' }));
    expect(p.sessionsMatched).toBe(0);
    expect(p.events).toEqual([]);
  });

  it("takes the principal from the environment (-e SESSION_EVENTS_CALLER=...)", async () => {
    const p = page(
      await callTool([], "session_events", { limit: "2", types: '["spawn"]' }, ["-e", `SESSION_EVENTS_CALLER=${MAIN}`, "-e", "SESSION_EVENTS_SCOPE=self"]),
    );
    expect(p.events.map((e) => [e.session, e.seq])).toEqual([[MAIN, 10]]);
    const scoped = await callTool([], "session_events", { sessionKey: SUB1 }, ["-e", `SESSION_EVENTS_CALLER=${MAIN}`, "-e", "SESSION_EVENTS_SCOPE=self"]);
    expect(scoped.isError).toBe(true);
    expect(scoped.content[0]!.text).toMatch(/^No session ".*" visible to you/);
  });
});

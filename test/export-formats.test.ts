/**
 * Export end to end through the built CLI: each format checked against a schema written from its public
 * documentation (OpenAI chat fine-tuning, LLaMA-Factory sharegpt and alpaca), every tool_call_id
 * matching a call, orphans, failed turns and compactions handled, image data never written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AlpacaExample, OpenAiExample, ShareGptExample } from "./helpers/export-schemas.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { exportFixture, IMAGE_DATA } from "./helpers/export-fixture.js";
import type { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  ensureBuilt();
  store = exportFixture();
  dir = mkdtempSync(join(tmpdir(), "export-out-"));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(dir, "cache") });
}, 180_000);
afterAll(() => {
  store?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function exportAs(format: string, extra: string[] = []) {
  const out = join(dir, `${format}-${Math.random().toString(36).slice(2)}.out`);
  const result = await runCli(["export", "--store", store.root, "--format", format, "--out", out, "--min-score", "0", ...extra], env);
  expect(result.code, result.stderr).toBe(0);
  return { text: readFileSync(out, "utf8"), stderr: result.stderr };
}

describe("openai", () => {
  it("writes one valid chat example per line, with tools inferred and every tool_call_id matching a call", async () => {
    const system = join(dir, "system.txt");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(system, "You are a careful coding agent.");
    const { text, stderr } = await exportAs("openai", ["--system", system]);
    const examples = text.trim().split("\n").map((line) => OpenAiExample.parse(JSON.parse(line)));
    // tools session: split at the compaction (2 conversations), plus the plain one
    expect(examples).toHaveLength(3);
    for (const example of examples) {
      expect(example.messages[0]).toEqual({ role: "system", content: "You are a careful coding agent." });
      const calls = example.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
      const results = example.messages.flatMap((m) => (m.role === "tool" ? [m.tool_call_id] : []));
      expect(results.sort()).toEqual(calls.map((c) => c.id).sort());
      for (const call of calls) expect(typeof JSON.parse(call.function.arguments)).toBe("object");
      expect(example.messages.at(-1)?.role).toBe("assistant");
    }
    const first = examples.find((e) => e.tools)!;
    const ids = first.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.id) : []));
    expect(ids).toEqual(["c1", "c2", "c3"]); // the orphan call c9 left out
    expect(JSON.stringify(first)).not.toContain("ghost");
    expect(first.tools!.map((t) => t.function.name).sort()).toEqual(["exec", "read"]);
    const read = first.tools!.find((t) => t.function.name === "read")!.function.parameters;
    expect(read).toEqual({ type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] });
    // the failed turn (assistant error) is left out; the turn after it is kept
    expect(JSON.stringify(first)).not.toContain("Now run the tests");
    expect(JSON.stringify(first)).toContain("screenshot shows a failing assertion");
    expect(text).not.toContain(IMAGE_DATA.slice(0, 30));
    expect(stderr).toMatch(/exported 3 conversation\(s\)/);
    expect(stderr, "no progress bar when stderr is not a terminal").not.toContain("\u001b[");
    expect(stderr).toMatch(/1 failed turn/);
  });

  it("--max-turns splits conversations; --types message gives text-only conversations", async () => {
    const split = await exportAs("openai", ["--max-turns", "1"]);
    expect(split.text.trim().split("\n")).toHaveLength(4);
    const textOnly = await exportAs("openai", ["--types", "message,compaction", "agent:main:main"]);
    for (const line of textOnly.text.trim().split("\n")) {
      const example = OpenAiExample.parse(JSON.parse(line));
      expect(example.tools).toBeUndefined();
      expect(example.messages.some((m) => m.role === "tool")).toBe(false);
    }
  });
});

describe("sharegpt and alpaca", () => {
  it("sharegpt: a JSON array of valid LLaMA-Factory examples, tool steps as function_call / observation", async () => {
    const { text } = await exportAs("sharegpt");
    const examples = z.array(ShareGptExample).parse(JSON.parse(text));
    expect(examples).toHaveLength(3);
    const withTools = examples.find((e) => e.tools)!;
    expect(withTools.conversations.map((c) => c.from)).toEqual(["human", "function_call", "observation", "function_call", "observation", "gpt", "human", "gpt"]);
    expect(JSON.parse(withTools.conversations[3]!.value)).toEqual([
      { name: "read", arguments: { path: "src/main.ts" } },
      { name: "read", arguments: { path: "src/util.ts", limit: 40 } },
    ]);
    expect(JSON.parse(withTools.conversations[4]!.value)).toEqual(["export const main = 1;", "export const util = 2;"]);
    expect(JSON.parse(withTools.tools!).map((t: { name: string }) => t.name).sort()).toEqual(["exec", "read"]);
  });

  it("alpaca: a JSON array of instruction / input / output with history", async () => {
    const { text } = await exportAs("alpaca");
    const examples = z.array(AlpacaExample).parse(JSON.parse(text));
    expect(examples).toHaveLength(3);
    const long = examples.find((e) => e.history)!;
    expect(long.history).toHaveLength(1);
    expect(long.history![0]![0]).toContain("List the files");
    expect(long.instruction).toContain("screenshot");
  });

  it("an empty selection is an empty array, and bad flags are clear errors", async () => {
    const { text } = await exportAs("alpaca", ["agent:main:nothing-here"]);
    expect(JSON.parse(text)).toEqual([]);
    const bad = await runCli(["export", "--store", store.root, "--format", "openai", "--max-turns", "0"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-turns/);
    for (const out of [join(store.sessionsDir("main"), "train.jsonl"), join(store.root, "agents")]) {
      const inside = await runCli(["export", "--store", store.root, "--format", "openai", "--out", out], env);
      expect([inside.code, inside.stderr]).toEqual([2, expect.stringMatching(/inside the store/)]);
    }
    const link = join(dir, "link.jsonl");
    symlinkSync(join(dir, "elsewhere.jsonl"), link);
    const viaLink = await runCli(["export", "--store", store.root, "--format", "openai", "--out", link], env);
    expect([viaLink.code, viaLink.stderr]).toEqual([2, expect.stringMatching(/symbolic link/)]);
    expect(readdirSync(store.sessionsDir("main")).sort()).toEqual(["plain.jsonl", "sessions.json", "tools.jsonl"]);
    const badTime = await runCli(["export", "--store", store.root, "--format", "openai", "--since", "yesterdayish"], env);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/yesterdayish/);
  });
});

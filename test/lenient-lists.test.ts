/**
 * A single string wherever a list is accepted (models send `"types": "tool_error"` as often as a list), the
 * same schemas for MCP, CLI and HTTP; a value that is neither gets one sentence, not a union's "Invalid input".
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../src/contract/query-input.js";
import { SessionsSearchInputSchema } from "../src/contract/search.js";
import { SessionStateInputSchema } from "../src/contract/session-state.js";
import type { Page } from "../src/contract/page.js";
import { parseQuery } from "../src/http/query-params.js";
import { portableJsonSchema } from "../src/mcp/portable-schema.js";
import { connectServer, ensureBuilt, runCli, useSampleStoreCopy, type Connected } from "./helpers/built-server.js";

const MAIN = "agent:main:main";

function errorOf(schema: z.ZodType, input: unknown): string {
  const result = schema.safeParse(input);
  expect(result.success, JSON.stringify(input)).toBe(false);
  return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
}

describe("the input schemas", () => {
  it("read one string as a list of one, for types, groupBy, fields and the sessions' sessionKey", () => {
    expect(SessionEventsInputSchema.parse({ types: "tool_error", groupBy: "tool", fields: "toolName" })).toEqual({
      types: ["tool_error"],
      groupBy: ["tool"],
      fields: ["toolName"],
    });
    expect(SessionsEventsInputSchema.parse({ sessionKey: "agent:main:*", types: "complete" })).toEqual({ sessionKey: ["agent:main:*"], types: ["complete"] });
    expect(SessionsSearchInputSchema.parse({ query: "x", sessionKey: "agent:*", types: "message" })).toEqual({ query: "x", sessionKey: ["agent:*"], types: ["message"] });
    // lists stay lists
    expect(SessionsEventsInputSchema.parse({ sessionKey: ["a:*", "b:*"], types: ["spawn", "error"] })).toEqual({ sessionKey: ["a:*", "b:*"], types: ["spawn", "error"] });
  });

  it("still check each entry: a bad name alone is named like one in a list", () => {
    expect(errorOf(SessionEventsInputSchema, { types: "tool_eror" })).toMatch(/^types\.0: "tool_eror" is not an event type\. Use one of: session_start, /);
    expect(errorOf(SessionEventsInputSchema, { groupBy: "colour" })).toMatch(/^groupBy\.0: /);
    expect(errorOf(SessionsEventsInputSchema, { sessionKey: "" })).toMatch(/^sessionKey\.0: /);
  });

  it("say in one sentence what was wrong and what is accepted", () => {
    expect(errorOf(SessionEventsInputSchema, { types: 5 })).toBe("types: types must be an event type or alias or a list of them, not a number");
    expect(errorOf(SessionEventsInputSchema, { groupBy: { tool: true } })).toBe("groupBy: groupBy must be a group key or a list of them, not an object");
    expect(errorOf(SessionEventsInputSchema, { groupBy: ["tool", "day", "hour"] })).toBe("groupBy: groupBy takes at most 2 entries");
    expect(errorOf(SessionsEventsInputSchema, { sessionKey: [] })).toBe("sessionKey: sessionKey needs at least 1 entry (or leave it out)");
    expect(errorOf(SessionsEventsInputSchema, { sessionKey: 7 })).toBe("sessionKey: sessionKey must be a key pattern or a list of them, not a number");
    const time = 'must be a time (ISO-8601 text, a duration like "1h", or epoch milliseconds), not a boolean';
    expect(errorOf(SessionEventsInputSchema, { since: true })).toBe(`since: since ${time}`);
    expect(errorOf(SessionsSearchInputSchema, { query: "x", until: true })).toBe(`until: until ${time}`);
    expect(errorOf(SessionStateInputSchema, { at: true })).toBe(`at: at ${time}`);
    expect(errorOf(SessionEventsInputSchema, { since: "x".repeat(65) })).toBe("since: since is longer than 64 characters");
  });

  it("advertise plain arrays (no anyOf) for the lenient fields", () => {
    const events = portableJsonSchema(SessionsEventsInputSchema, "input") as { properties: Record<string, Record<string, unknown>> };
    for (const field of ["types", "groupBy", "fields", "sessionKey"]) {
      expect(events.properties[field], field).toMatchObject({ type: "array" });
      expect(events.properties[field]!.anyOf, field).toBeUndefined();
      expect(events.properties[field]!.description, field).toBeTruthy();
    }
  });

  it("over HTTP, a comma list or one value both reach the engine as a list", () => {
    const parsed = parseQuery(SessionsEventsInputSchema, new URLSearchParams("sessionKey=agent:main:*&types=tool_call,tool_error&groupBy=tool"));
    expect(parsed).toEqual({ sessionKey: ["agent:main:*"], types: ["tool_call", "tool_error"], groupBy: ["tool"] });
  });
});

describe("over a real MCP client and the built CLI", () => {
  const sample = useSampleStoreCopy();
  let server: Connected;

  beforeAll(async () => {
    ensureBuilt();
    server = await connectServer(["--store", sample.box.store, "--caller", MAIN], sample.env);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  const call = (name: string, args: Record<string, unknown>) => server.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

  it("sessions_events takes types and sessionKey as single strings", async () => {
    const result = await call("sessions_events", { sessionKey: "agent:main:*", types: "spawn" });
    expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
    const page = result.structuredContent as Page;
    expect(page.events.map((e) => e.type)).toEqual(["spawn", "spawn"]);
    expect(page.events.every((e) => e.session.startsWith("agent:main:"))).toBe(true);
  });

  it("session_events takes groupBy as a single string", async () => {
    const result = await call("session_events", { groupBy: "tool", types: "tool_call" });
    expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
    const page = result.structuredContent as Page;
    expect(page.groups!.length).toBeGreaterThan(0);
    expect(Object.keys(page.groups![0]!.key)).toEqual(["tool"]);
  });

  it("a wrong type gets the one sentence, not a union dump", async () => {
    const result = await call("sessions_events", { types: 3 });
    expect(result.isError).toBe(true);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toMatch(/types must be an event type or alias or a list of them, not a number/);
    expect(text).not.toMatch(/Invalid input/);
  });

  it("the CLI's single --types value goes through the same schema", async () => {
    const result = await runCli(["query", "--store", sample.box.store, "--caller", MAIN, "--session", MAIN, "--types", "spawn", "--json"], sample.env);
    expect(result.code, result.stderr).toBe(0);
    const page = JSON.parse(result.stdout) as Page;
    expect(page.events.map((e) => e.type)).toEqual(["spawn"]);
  });
});

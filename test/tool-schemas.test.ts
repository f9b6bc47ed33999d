/** The checked-in tool-schemas/*.json are what the server lists now, and their input schemas are strict. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { listTools, toolSchemaFile } from "../src/mcp/tool-listing.js";

const DIR = fileURLToPath(new URL("../tool-schemas/", import.meta.url));
const STALE = "tool-schemas/ is stale: run `npm run schemas` and commit the result";

/** The event types of EVENTS.md, and the filter aliases it accepts in `types`. */
const EVENT_TYPES = [
  "session_start", "message", "tool_call", "tool_result", "tool_error", "compaction",
  "spawn", "model_switch", "state_change", "custom", "error", "session_end",
];
const ALIASES = [
  "complete", "conversation.message_in", "conversation.message_out", "conversation.tool_call", "conversation.tool_result",
  "lifecycle.session_start", "lifecycle.session_end", "lifecycle.compaction", "lifecycle.error",
];

let tools: Tool[];
const checkedIn = (name: string) => readFileSync(join(DIR, `${name}.json`), "utf8");
const file = (name: string) => JSON.parse(checkedIn(name)) as Tool;

beforeAll(async () => {
  tools = await listTools();
});

describe("checked-in tool schemas", () => {
  it("has exactly one file per listed tool", () => {
    expect(tools.map((t) => t.name).sort()).toEqual(["session_events", "session_state", "sessions_events", "sessions_search"]);
    expect(readdirSync(DIR).sort(), STALE).toEqual(["session_events.json", "session_state.json", "sessions_events.json", "sessions_search.json"]);
  });

  it.each(["session_events", "sessions_events", "session_state", "sessions_search"])("%s.json is byte-for-byte what listTools() + toolSchemaFile() generate", (name) => {
    const tool = tools.find((t) => t.name === name)!;
    const generated = toolSchemaFile(tool);
    // compare parsed first for a readable diff, then the exact bytes (key order, indentation, final newline)
    expect(file(name), STALE).toEqual(JSON.parse(generated));
    expect(checkedIn(name), STALE).toBe(generated);
    expect(Object.keys(file(name))).toEqual(["name", "title", "description", "inputSchema", "outputSchema", "annotations"]);
  });

  it("describes read-only, closed-world tools with an object output schema", () => {
    for (const name of ["session_events", "sessions_events"]) {
      const tool = file(name);
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.outputSchema?.required).toEqual(expect.arrayContaining(["events", "nextCursor", "hasMore"]));
    }
    const state = file("session_state");
    expect(state.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(state.outputSchema?.type).toBe("object");
    expect(state.outputSchema?.required).toEqual(expect.arrayContaining(["session", "seq", "atEnd", "totals", "spawned", "lastMessages", "notes"]));
  });
});

describe("input schemas", () => {
  const validator = new AjvJsonSchemaValidator();
  const validate = (name: string, input: unknown) => validator.getValidator(file(name).inputSchema as never)(input);

  it.each(["session_events", "sessions_events"])("%s rejects unknown properties", (name) => {
    expect(file(name).inputSchema.additionalProperties).toBe(false);
    expect(validate(name, {}).valid).toBe(true);
    expect(validate(name, { types: ["spawn"], limit: 10, order: "desc" }).valid).toBe(true);
    const unknown = validate(name, { types: ["spawn"], bogus: true });
    expect(unknown.valid).toBe(false);
    expect(unknown.errorMessage).toMatch(/additional properties/i);
  });

  it("session_state takes one session and a point, and nothing else", () => {
    expect(file("session_state").inputSchema.additionalProperties).toBe(false);
    expect(validate("session_state", {}).valid).toBe(true);
    expect(validate("session_state", { sessionKey: "agent:main:main", atSeq: 12, lastMessages: 50, generations: "all" }).valid).toBe(true);
    expect(validate("session_state", { at: "1h" }).valid).toBe(true);
    expect(validate("session_state", { at: 1794992700000 }).valid).toBe(true);
    for (const bad of [{ atSeq: -1 }, { atSeq: 2.5 }, { lastMessages: 51 }, { types: ["spawn"] }, { cursor: "x" }, { sessionKey: ["agent:main:main"] }]) {
      expect(validate("session_state", bad).valid, JSON.stringify(bad)).toBe(false);
    }
  });

  it.each(["session_events", "sessions_events"])("%s lists every event type and alias in types, and nothing else", (name) => {
    const types = file(name).inputSchema.properties!.types as { type: string; items: { enum: string[] } };
    expect(types.type).toBe("array");
    expect([...types.items.enum].sort()).toEqual([...EVENT_TYPES, ...ALIASES].sort());
    expect(validate(name, { types: [...EVENT_TYPES, ...ALIASES].slice(0, 21) }).valid).toBe(true);
    expect(validate(name, { types: ["tool_calls"] }).valid).toBe(false);
  });

  it("sessions_events takes a pattern or a list of patterns; session_events takes one key", () => {
    expect(validate("sessions_events", { sessionKey: ["agent:main:*", "agent:work:*"], spawnedBy: "current", descendants: true }).valid).toBe(true);
    expect(validate("sessions_events", { sessionKey: [] }).valid).toBe(false);
    expect(validate("session_events", { sessionKey: "agent:main:main" }).valid).toBe(true);
    expect(validate("session_events", { sessionKey: ["agent:main:main"] }).valid).toBe(false);
    expect(validate("session_events", { spawnedBy: "current" }).valid).toBe(false);
    expect(validate("session_events", { limit: 0 }).valid).toBe(false);
    expect(validate("session_events", { limit: 2.5 }).valid).toBe(false);
    expect(validate("session_events", { order: "newest" }).valid).toBe(false);
  });
});

/**
 * What a client receives from tools/list over a real stdio pipe (the BUILT server, the SDK's Client): no
 * schema-portability finding of the MCP Inspector's `--strict` lint (rules in helpers/schema-lint.ts), and
 * small enough to sit in a model's context (the whole answer under 20 KB).
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectServer, ensureBuilt, useSampleStoreCopy, type Connected } from "./helpers/built-server.js";
import { lintTools } from "./helpers/schema-lint.js";

const MAX_TOOLS_LIST_BYTES = 20_000;

const sample = useSampleStoreCopy();
let server: Connected;
let tools: Tool[];

beforeAll(async () => {
  ensureBuilt();
  server = await connectServer(["--store", sample.box.store], sample.env);
  tools = (await server.client.listTools()).tools;
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("tools/list as a client sees it", () => {
  it("has no schema-portability finding (Inspector --strict: 0 errors, 0 warnings)", () => {
    expect(tools.length).toBeGreaterThanOrEqual(4);
    expect(lintTools(tools)).toEqual([]);
  });

  it("the lint catches what it should (a type array, an empty schema, a bare true, a remote $ref)", () => {
    const bad = { name: "bad", inputSchema: { type: "object", properties: { a: { type: ["string", "null"] }, b: {}, c: true, d: { $ref: "https://x/y" } } } };
    expect(lintTools([bad]).map((f) => `${f.rule} ${f.path}`)).toEqual([
      "type-union inputSchema.properties.a",
      "untyped-schema inputSchema.properties.b",
      "boolean-schema inputSchema.properties.c",
      "remote-ref inputSchema.properties.d",
    ]);
  });

  it(`is under ${MAX_TOOLS_LIST_BYTES} bytes as JSON`, () => {
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    expect(bytes).toBeLessThan(MAX_TOOLS_LIST_BYTES);
  });

  it("still tells a model what it needs: every input property described, event types and examples in the descriptions", () => {
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(80);
      expect(tool.description, tool.name).toMatch(/Example: \{/);
      for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((property as { description?: string }).description, `${tool.name}.${name}`).toBeTruthy();
      }
    }
    const events = tools.find((t) => t.name === "session_events")!;
    for (const type of ["session_start", "message", "tool_call", "tool_error", "spawn", "compaction", "session_end"]) expect(events.description).toContain(type);
  });
});

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { AppContext } from "../app/context.js";
import { CursorCodec } from "../engine/cursor.js";
import { createRedactor } from "../engine/redact.js";
import { createServer } from "./server.js";

/** A context that can describe the tools but not run them (no store is opened). */
function describeOnlyContext(): AppContext {
  const unavailable = async (): Promise<never> => {
    throw new Error("this context only describes tools");
  };
  return {
    store: { description: "none", list: unavailable, named: unavailable, sessionSetStamp: () => "" },
    listSessions: unavailable,
    principal: { scope: "all", clearance: "internal" },
    policy: { rules: [], redactor: createRedactor(), pageBytes: 0, maxFieldChars: 0 },
    cursors: new CursorCodec(),
    now: () => 0,
    cache: { cache: undefined, reason: "none", refused: false },
  };
}

/** The tools exactly as an MCP client sees them in tools/list (name, description, JSON Schemas, annotations). */
export async function listTools(): Promise<Tool[]> {
  const server = createServer(describeOnlyContext());
  const client = new Client({ name: "tool-schema-writer", version: "1" });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
    await server.close();
  }
}

/** The checked-in file for one tool: stable key order, two-space JSON, trailing newline. */
export function toolSchemaFile(tool: Tool): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  return `${JSON.stringify({ name, title, description, inputSchema, outputSchema, annotations }, null, 2)}\n`;
}

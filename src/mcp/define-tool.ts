import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { AppContext } from "../app/context.js";
import { QueryError } from "../engine/errors.js";
import { portableJsonSchema } from "./portable-schema.js";

/** A read-only tool: strict zod input, zod output, and a function from context and input to output. */
export type ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> = {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  run(ctx: AppContext, input: z.infer<I>, call: { signal?: AbortSignal }): Promise<z.infer<O>>;
};

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}

/**
 * How a server may let identical calls share one run (`key` names the tool, principal and arguments;
 * the run is cancelled when all its callers have gone). Without it, each call runs on its own.
 */
export type ShareCalls = <T>(key: string, signal: AbortSignal, run: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** destructiveHint and idempotentHint mean something only for tools that write (MCP spec), so they are left out. */
const ANNOTATIONS = { readOnlyHint: true, openWorldHint: false };

/** The tool as tools/list shows it, with schemas every client reads alike (see portable-schema.ts). */
export function listedTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: portableJsonSchema(tool.inputSchema, "input") as Tool["inputSchema"],
    outputSchema: portableJsonSchema(tool.outputSchema, "output") as Tool["outputSchema"],
    annotations: ANNOTATIONS,
  };
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}

/**
 * Registers a tool so that its result is both structuredContent and the same JSON as text, and any
 * failure is an isError result the model can act on: a QueryError's own message, or a generic one
 * (details to stderr) for anything unexpected. The server never dies on a call.
 */
export function registerTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  ctx: AppContext,
  tool: ToolDefinition<I, O>,
  share?: ShareCalls,
): void {
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: ANNOTATIONS,
    },
    (async (input: z.infer<I>, extra: { signal?: AbortSignal }): Promise<CallToolResult> => {
      try {
        const output =
          share && extra?.signal
            ? await share(JSON.stringify([tool.name, ctx.principal, input]), extra.signal, (signal) => tool.run(ctx, input, { signal }))
            : await tool.run(ctx, input, { signal: extra?.signal });
        return { structuredContent: output as Record<string, unknown>, content: [{ type: "text", text: JSON.stringify(output) }] };
      } catch (error) {
        if (error instanceof QueryError) return errorResult(error.message);
        console.error(`[session-events] ${tool.name} failed:`, error);
        // not the error's own message: it may name a file (paths are never sent to a caller)
        return errorResult(`${tool.name} failed on the server side; the details are in the server's log. Try again; if it persists, narrow the query.`);
      }
    }) as never,
  );
}

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { AppContext } from "../app/context.js";
import { PACKAGE_VERSION } from "../version.js";
import { BoundedStdioServerTransport } from "./bounded-stdio.js";
import { registerTool } from "./define-tool.js";
import { sessionEventsTool } from "./tools/session-events.js";
import { sessionStateTool } from "./tools/session-state.js";
import { sessionsEventsTool } from "./tools/sessions-events.js";
import { sessionsSearchTool } from "./tools/sessions-search.js";

const INSTRUCTIONS = `Read-only access to agent session history (OpenClaw / ClawJS). Use session_events for one session (your own by default) and sessions_events for many (patterns, agent, or the sessions you spawned); both page with nextCursor. sessions_search finds the sessions where something was said (ranked, with snippets); text on either events tool lists every matching event. session_state replays one session to its state at a point (model, totals, spawned children, the messages in context). Nothing here changes anything.`;

export function createServer(ctx: AppContext): McpServer {
  const server = new McpServer({ name: "openclaw-session-events", version: PACKAGE_VERSION }, { instructions: INSTRUCTIONS });
  registerTool(server, ctx, sessionEventsTool);
  registerTool(server, ctx, sessionsEventsTool);
  registerTool(server, ctx, sessionStateTool);
  registerTool(server, ctx, sessionsSearchTool);
  return server;
}

/**
 * Serves MCP over stdin/stdout until the client goes away. Logs go to stderr only. A message over the
 * size limit is refused with an error and the server goes on serving.
 */
export async function serveStdio(ctx: AppContext): Promise<void> {
  const server = createServer(ctx);
  const transport = new BoundedStdioServerTransport();
  transport.onerror = (error) => console.error(`[session-events] stdio: ${error.message}`);
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.close();
}

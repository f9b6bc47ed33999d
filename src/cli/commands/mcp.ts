import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { serveStdio } from "../../mcp/server.js";
import { appOptions, withAppOptions } from "../shared-options.js";

export function mcpCommand(): Command {
  return withAppOptions(
    new Command("mcp").description("Serve the session_events and sessions_events tools over MCP stdio (the default command)."),
  ).action(async (_flags: unknown, command: Command) => {
    await serveStdio(createAppContext(appOptions(command.optsWithGlobals())));
  });
}

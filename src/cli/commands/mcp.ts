import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { appOptions, withAppOptions } from "../shared-options.js";

export function mcpCommand(): Command {
  return withAppOptions(
    new Command("mcp").description("Serve the session_events and sessions_events tools over MCP stdio (the default command)."),
  ).action(async (_flags: unknown, command: Command) => {
    // loaded only here: the MCP SDK is most of the CLI's start-up time, and the other commands never use it
    const { serveStdio } = await import("../../mcp/server.js");
    if (process.stdin.isTTY) {
      process.stderr.write("session-events: waiting for an MCP client on stdin (this is the MCP server, the default command); see --help for the query commands. Ctrl-C quits.\n");
    }
    await serveStdio(createAppContext(appOptions(command.optsWithGlobals())));
  });
}

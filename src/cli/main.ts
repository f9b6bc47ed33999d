#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { limitHeapGrowth } from "../app/heap.js";
import { QueryError } from "../engine/errors.js";
import { closeAllNats } from "../sources/jetstream/open-connections.js";
import { PACKAGE_VERSION } from "../version.js";
import { exportCommand } from "./commands/export.js";
import { forkCommand } from "./commands/fork.js";
import { indexCommand } from "./commands/index-command.js";
import { mcpCommand } from "./commands/mcp.js";
import { publishCommand } from "./commands/publish.js";
import { queryCommand } from "./commands/query.js";
import { searchCommand } from "./commands/search.js";
import { sessionsCommand } from "./commands/sessions.js";
import { serveCommand } from "./commands/serve.js";
import { stateCommand } from "./commands/state.js";
import { tokenCommand } from "./commands/token.js";
import { withAppOptions } from "./shared-options.js";

export function buildProgram(): Command {
  const program = withAppOptions(new Command("session-events"))
    .description(
      "Read-only queries over OpenClaw / ClawJS agent session history.\nWith no command, serves MCP over stdio (same as `session-events mcp`).",
    )
    .version(PACKAGE_VERSION)
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(mcpCommand(), { isDefault: true });
  program.addCommand(queryCommand());
  program.addCommand(searchCommand());
  program.addCommand(sessionsCommand());
  program.addCommand(stateCommand());
  program.addCommand(indexCommand());
  program.addCommand(exportCommand());
  program.addCommand(forkCommand());
  program.addCommand(serveCommand());
  program.addCommand(tokenCommand());
  program.addCommand(publishCommand());
  for (const command of program.commands) for (const each of [command, ...command.commands]) each.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  try {
    limitHeapGrowth();
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof QueryError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    // (an open NATS connection would keep the process alive)
    await closeAllNats();
  }
}

process.exitCode = await main(process.argv);

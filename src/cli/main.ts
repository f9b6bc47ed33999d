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
import { inCliWords } from "./cli-errors.js";
import { withAppOptions } from "./shared-options.js";

export function buildProgram(): Command {
  const program = withAppOptions(new Command("session-events"))
    .description(
      "Read-only queries over OpenClaw / ClawJS agent session history.\nWith no command, serves MCP over stdio (same as `session-events mcp`).",
    )
    .version(PACKAGE_VERSION)
    // options after a command name are that command's (every command takes the shared ones), so its usage line is shown for them
    .enablePositionalOptions()
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
  for (const each of [program, ...program.commands]) {
    // a bad option gets its error and a short usage line, not the whole help
    const name = each === program ? program.name() : `${program.name()} ${each.name()}`;
    each.exitOverride().showHelpAfterError(`usage: ${name} ${each.usage()}\n(see '${name} --help')`);
  }
  return program;
}

/** Commander's errors that are not a bad argument: asking for help or the version. */
const NOT_ARGUMENT_ERRORS = new Set(["commander.helpDisplayed", "commander.help", "commander.version", "commander.executeSubCommandAsync"]);

/** Options of the program itself that take a value (so what follows them is no command name). */
const PROGRAM_VALUE_OPTIONS = new Set(["--store", "--caller", "--scope", "--clearance", "--config"]);

/**
 * The command word of argv, if it names none of the program's commands. (With a default command,
 * commander would hand an unknown word to the MCP server as a stray argument.)
 */
export function unknownCommand(program: Command, args: string[]): string | undefined {
  const names = new Set(["help", ...program.commands.flatMap((c) => [c.name(), ...c.aliases()])]);
  for (let at = 0; at < args.length; at++) {
    const arg = args[at]!;
    if (arg === "--") return undefined;
    if (PROGRAM_VALUE_OPTIONS.has(arg)) at++;
    else if (!arg.startsWith("-")) return names.has(arg) ? undefined : arg;
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  try {
    limitHeapGrowth();
    const program = buildProgram();
    const unknown = unknownCommand(program, argv.slice(2));
    if (unknown !== undefined) {
      const commands = program.commands.map((c) => c.name()).join(", ");
      console.error(`error: unknown command '${unknown}'. Commands: ${commands} (mcp, the MCP server, is the default).\n(see '${program.name()} --help')`);
      return 2;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return NOT_ARGUMENT_ERRORS.has(error.code) ? error.exitCode : 2;
    if (error instanceof QueryError) {
      console.error(`error: ${inCliWords(error)}`);
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

import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { forkSession } from "../../export/fork.js";
import { appOptions, withAppOptions } from "../shared-options.js";

type ForkFlags = { session: string; atSeq: string; out: string; force?: boolean };

export function forkCommand(): Command {
  return withAppOptions(
    new Command("fork")
      .description("Write a new pi transcript that resumes a session as it was at one event (operator only; never into a store).")
      .requiredOption("-s, --session <key>", "the session to fork: a key or a session id")
      .requiredOption("--at-seq <n>", "the last event to keep (its seq)")
      .requiredOption("-o, --out <file>", "the new transcript (outside every store)")
      .option("--force", "replace --out if it exists"),
  ).action(async (flags: ForkFlags, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const result = await forkSession(ctx, { session: flags.session, atSeq: Number(flags.atSeq), out: flags.out, force: flags.force === true });
    process.stderr.write(`forked ${result.parentSession} at event ${flags.atSeq}: ${result.out} (${result.lines} line(s), session id ${result.sessionId})\n`);
  });
}

import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { redactAnswer, redactorFor } from "../../engine/answer-redaction.js";
import { sessionRow, visibleSessions } from "../../engine/list-sessions.js";
import { shortTime, table } from "../format.js";
import { appOptions, withAppOptions } from "../shared-options.js";

export function sessionsCommand(): Command {
  return withAppOptions(
    new Command("sessions")
      .description("List the session registry (the sessions the caller may read), newest first.")
      .option("--generations <which>", "current (default) or all: also earlier transcripts of a key", "current")
      .option("--json", "print JSON"),
  ).action(async (flags: { json?: boolean; generations?: string }, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const listing = await ctx.store.list();
    const sessions = await visibleSessions(ctx, { generations: flags.generations === "all" ? "all" : "current" });
    for (const warning of listing.warnings) console.error(`warning: ${warning}`);
    if (flags.json) {
      // labels, titles, even keys come from the store and may hold credentials: redacted like any answer
      const rows = sessions.map((s) => ({ ...sessionRow(ctx, s), location: s.location }));
      process.stdout.write(`${JSON.stringify(redactAnswer(rows, redactorFor(ctx)), null, 2)}\n`);
      return;
    }
    const rows = redactAnswer(sessions.map((s) => [s.key, s.agent, s.sessionId, shortTime(s.updatedAt), s.parentKey ?? "-", s.status ?? "-", s.source]), redactorFor(ctx));
    process.stdout.write(`${table(["key", "agent", "id", "updated", "spawnedBy", "status", "source"], rows)}\n${sessions.length} session(s) in ${ctx.store.description}\n`);
  });
}

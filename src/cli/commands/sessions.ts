import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import { redactAnswer, redactorFor } from "../../engine/answer-redaction.js";
import { sessionRow, visibleSessions } from "../../engine/list-sessions.js";
import { shortTime, table } from "../format.js";
import { appOptions, withAppOptions } from "../shared-options.js";
import { warnIfNoSessions } from "../warnings.js";

/** Fits 80 columns: the long columns give way first, then every column down to a few characters. */
const SESSIONS_LAYOUT = {
  shrink: [
    { column: "spawnedBy", min: 16 },
    { column: "id", min: 10 },
    { column: "key", min: 24 },
    { column: "spawnedBy", min: 9 },
    { column: "id", min: 8 },
    { column: "source", min: 7 },
    { column: "key", min: 12 },
  ],
  middle: ["key", "spawnedBy", "id"],
};

export function sessionsCommand(): Command {
  return withAppOptions(
    new Command("sessions")
      .description("List the session registry (the sessions the caller may read), newest first.")
      .addOption(new Option("--generations <which>", "current (default) or all: also earlier transcripts of a key").choices(["current", "all"]).default("current"))
      .option("--json", "print JSON"),
  ).action(async (flags: { json?: boolean; generations?: string }, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const listing = await ctx.store.list();
    await warnIfNoSessions(ctx);
    const sessions = await visibleSessions(ctx, { generations: flags.generations === "all" ? "all" : "current" });
    for (const warning of listing.warnings) console.error(`warning: ${warning}`);
    if (flags.json) {
      // labels, titles, even keys come from the store and may hold credentials: redacted like any answer
      const rows = sessions.map((s) => ({ ...sessionRow(ctx, s), location: s.location }));
      process.stdout.write(`${JSON.stringify(redactAnswer(rows, redactorFor(ctx)), null, 2)}\n`);
      return;
    }
    const rows = redactAnswer(sessions.map((s) => [s.key, s.agent, s.sessionId, shortTime(s.updatedAt), s.parentKey ?? "-", s.status ?? "-", s.source]), redactorFor(ctx));
    process.stdout.write(`${table(["key", "agent", "id", "updated", "spawnedBy", "status", "source"], rows, SESSIONS_LAYOUT)}\n${sessions.length} session(s) in ${ctx.store.description}\n`);
  });
}

import { Command } from "commander";
import { createAppContext } from "../../app/context.js";
import { redactAnswer, redactorFor } from "../../engine/answer-redaction.js";
import { sessionsInScope } from "../../engine/principal.js";
import { inGenerations } from "../../engine/select.js";
import type { SessionInfo } from "../../sources/session.js";
import { shortTime, table } from "../format.js";
import { appOptions, withAppOptions } from "../shared-options.js";

export function sessionRow(s: SessionInfo) {
  return {
    key: s.key,
    agent: s.agent,
    sessionId: s.sessionId,
    source: s.source,
    generation: s.generation,
    updatedAt: s.updatedAt ?? null,
    spawnedBy: s.parentKey ?? null,
    status: s.status ?? null,
    label: s.label ?? null,
    displayName: s.displayName ?? null,
    location: s.location,
    // the other registry keys naming this transcript (it is listed once, under `key`)
    ...(s.aliases && s.aliases.length > 0 ? { aliases: s.aliases.map((a) => a.key) } : {}),
  };
}

export function sessionsCommand(): Command {
  return withAppOptions(
    new Command("sessions")
      .description("List the session registry (the sessions the caller may read), newest first.")
      .option("--generations <which>", "current (default) or all: also earlier transcripts of a key", "current")
      .option("--json", "print JSON"),
  ).action(async (flags: { json?: boolean; generations?: string }, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const listing = await ctx.store.list();
    const sessions = sessionsInScope(listing.sessions, ctx.principal)
      .filter((s) => inGenerations(s, flags.generations === "all" ? "all" : "current"))
      .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
    for (const warning of listing.warnings) console.error(`warning: ${warning}`);
    if (flags.json) {
      // labels, titles, even keys come from the store and may hold credentials: redacted like any answer
      process.stdout.write(`${JSON.stringify(redactAnswer(sessions.map(sessionRow), redactorFor(ctx)), null, 2)}\n`);
      return;
    }
    const rows = redactAnswer(sessions.map((s) => [s.key, s.agent, s.sessionId, shortTime(s.updatedAt), s.parentKey ?? "-", s.status ?? "-", s.source]), redactorFor(ctx));
    process.stdout.write(`${table(["key", "agent", "id", "updated", "spawnedBy", "status", "source"], rows)}\n${sessions.length} session(s) in ${ctx.store.description}\n`);
  });
}

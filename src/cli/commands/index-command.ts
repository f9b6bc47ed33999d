import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import { sessionsInScope } from "../../engine/principal.js";
import { inGenerations } from "../../engine/select.js";
import { warmIndexes } from "../../engine/warm-indexes.js";
import { flushIndexes } from "../../sources/index/index-store.js";
import { appOptions, withAppOptions } from "../shared-options.js";

export function indexCommand(): Command {
  return withAppOptions(
    new Command("index")
      .description(
        "Index every transcript now (into the cache dir, never the store), so that no later query reads one from its start. Run after install or from a timer; unchanged transcripts cost a stat.",
      )
      .addOption(new Option("--generations <which>", "current (default) or all: also the keys' earlier transcripts").choices(["current", "all"]))
      .option("--json", "print the result as JSON"),
  ).action(async (flags: { generations?: "current" | "all"; json?: boolean }, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    // queries go on without a cache they cannot write; this command is for nothing then
    if (!ctx.cache.cache) throw new Error(`cannot keep indexes: ${ctx.cache.reason}. Set SESSION_EVENTS_CACHE_DIR to a dir this user owns and can write.`);
    const dir = ctx.cache.cache.root;
    const started = performance.now();
    const listing = await ctx.store.list();
    for (const warning of listing.warnings) console.error(`warning: ${warning}`);
    const sessions = sessionsInScope(listing.sessions, ctx.principal).filter((s) => inGenerations(s, flags.generations));
    // the full text first: its read of a transcript also builds the transcript's index, which the
    // warm pass then finds done (one read of each transcript, not two)
    const text = await ctx.textIndex?.update(sessions);
    const result = await warmIndexes(sessions);
    flushIndexes();
    const seconds = (performance.now() - started) / 1000;
    const textIndexed = { sessions: text?.indexed ?? 0, rebuilt: text?.rebuilt ?? 0, events: text?.events ?? 0 };
    // (the transcripts' bytes are read by the full-text pass, or by the warm pass where it read none)
    const bytesRead = result.stats.bytesRead + (text?.bytesRead ?? 0);
    const summary = { sessions: result.sessions, read: result.read, bytesRead, textIndexed, seconds: Number(seconds.toFixed(2)), cacheDir: dir };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const mib = (bytesRead / 1024 / 1024).toFixed(1);
    process.stdout.write(
      `${result.sessions} session(s) in ${ctx.store.description}: ${result.read} read (${mib} MiB), the rest already indexed; full text of ${textIndexed.sessions} (${textIndexed.events} events) brought up to date; ${seconds.toFixed(1)} s. Indexes in ${dir}\n`,
    );
  });
}

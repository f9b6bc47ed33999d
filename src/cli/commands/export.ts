import { createWriteStream, readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../../contract/query-input.js";
import { TYPE_FILTER_NAMES } from "../../contract/type-filter.js";
import { QueryError } from "../../engine/errors.js";
import { EXPORT_FORMATS, type ExportFormat } from "../../export/formats/index.js";
import { openForWriting } from "../../export/out-path.js";
import { QualityRulesSchema, type QualityRules } from "../../export/quality.js";
import { runExport, type ExportQuery, type ExportSummary } from "../../export/run-export.js";
import { streamSink } from "../../export/sink.js";
import { parseInput, sessionsSelection } from "../parse-input.js";
import { appOptions, withAppOptions } from "../shared-options.js";

type ExportFlags = {
  format: ExportFormat;
  out?: string;
  system?: string;
  maxTurns: string;
  minScore?: string;
  quality?: string;
  stats?: string;
  session?: string;
  types?: string;
  since?: string;
  until?: string;
  agent?: string;
  spawnedBy?: string;
  descendants?: boolean;
  generations?: "current" | "all";
};

export function exportCommand(): Command {
  return withAppOptions(
    new Command("export")
      .description("Write conversations as fine-tuning data (what the principal may see, redacted), selected by quality and without near-duplicates.")
      .argument("[patterns...]", 'session key patterns (default "*")')
      .addOption(new Option("--format <format>", "openai (JSONL), sharegpt or alpaca (LLaMA-Factory JSON)").choices(EXPORT_FORMATS).makeOptionMandatory())
      .option("-o, --out <file>", "write here (default stdout)")
      .option("--system <file>", "a system prompt to put first in every conversation")
      .option("--max-turns <n>", "split conversations longer than this many turns", "20")
      .option("--min-score <x>", "keep conversations scoring at least this (0..1; default 0.5)")
      .option("--quality <file>", "JSON overriding the quality rules (minScore, minAnswerChars, praise, rejection, unsure, ...)")
      .option("--stats <file>", "one JSON line per conversation: its score, signals, kept or why dropped")
      .option("-s, --session <key>", "one session (a key, a session id)")
      .option("-t, --types <list>", `comma-separated event types to read (default: the ones conversations are made of; ${TYPE_FILTER_NAMES.length} names)`)
      .option("--since <time>", 'ISO-8601, epoch ms, or a duration before now ("7d")')
      .option("--until <time>", "same forms as --since; exclusive")
      .option("--agent <id>", "only sessions of this agent")
      .option("--spawned-by <key>", "only sessions spawned by this key")
      .option("--descendants", "with --spawned-by: the whole subtree")
      .addOption(new Option("--generations <which>", "current (default) or all: also earlier transcripts of a key").choices(["current", "all"])),
  ).action(async (patterns: string[], flags: ExportFlags, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const maxTurns = Number(flags.maxTurns);
    if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new QueryError(`--max-turns must be a whole number of at least 1, not "${flags.maxTurns}".`);
    const rules = qualityRules(flags);
    const system = flags.system !== undefined ? readText(flags.system, "--system") : undefined;
    const query = exportQuery(patterns, flags);
    const roots = ctx.store.roots ?? [];
    const fileSink = (path: string) => streamSink(createWriteStream("", { fd: openForWriting(path, roots) }), true);
    const out = flags.out ? fileSink(flags.out) : streamSink(process.stdout, false);
    const stats = flags.stats ? fileSink(flags.stats) : undefined;
    const bar = process.stderr.isTTY
      ? new (await import("cli-progress")).SingleBar({ format: "export {events} events read | {conversations} conversations written", stream: process.stderr, hideCursor: true, noTTYOutput: false })
      : undefined;
    bar?.start(0, 0, { events: 0, conversations: 0 });
    let summary: ExportSummary;
    try {
      summary = await runExport(ctx, query, { format: flags.format, system, maxTurns, rules, out, stats, progress: (p) => bar?.update(0, p) });
    } finally {
      bar?.stop();
    }
    await out.end();
    await stats?.end();
    process.stderr.write(`${summaryText(summary)}\n`);
  });
}

function exportQuery(patterns: string[], flags: ExportFlags): ExportQuery {
  const common = {
    types: flags.types?.split(",").map((t) => t.trim()).filter(Boolean),
    since: flags.since,
    until: flags.until,
    generations: flags.generations,
  };
  if (flags.session !== undefined) {
    if (patterns.length > 0 || flags.agent || flags.spawnedBy) throw new QueryError("--session reads one session; leave out patterns, --agent and --spawned-by.");
    return { one: parseInput(SessionEventsInputSchema, { ...common, sessionKey: flags.session }) };
  }
  const many = { ...common, ...sessionsSelection(patterns, flags) };
  return { many: parseInput(SessionsEventsInputSchema, many) };
}

function qualityRules(flags: ExportFlags): QualityRules {
  let overrides: unknown = {};
  if (flags.quality !== undefined) {
    try {
      overrides = JSON.parse(readText(flags.quality, "--quality"));
    } catch (error) {
      if (error instanceof QueryError) throw error;
      throw new QueryError(`--quality ${flags.quality} is not JSON: ${(error as Error).message}`);
    }
  }
  if (flags.minScore !== undefined) overrides = { ...(overrides as object), minScore: Number(flags.minScore) };
  const parsed = QualityRulesSchema.safeParse(overrides);
  if (!parsed.success) throw new QueryError(`quality rules: ${parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new QueryError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function summaryText(s: ExportSummary): string {
  const dropped = s.dropped.lowScore + s.dropped.duplicate + s.dropped.noWholeTurn;
  return [
    `exported ${s.conversations} conversation(s), ${s.turns} turn(s), ~${s.tokens} tokens (estimated: characters / 4) from ${s.events} event(s)`,
    `dropped ${dropped} conversation(s): ${s.dropped.lowScore} below the minimum score, ${s.dropped.duplicate} near-duplicate(s), ${s.dropped.noWholeTurn} without a whole turn`,
    `left out ${s.failedTurns} failed turn(s) (error, aborted, cut off or no final answer) and ${s.orphanToolMessages} tool call(s)/result(s) without their other half`,
    ...(s.hiddenByVisibility ? [`${s.hiddenByVisibility} event(s) above the clearance were not read`] : []),
    ...(s.redactedEvents ? [`${s.redactedEvents} event(s) had credentials redacted`] : []),
  ].join("\n");
}

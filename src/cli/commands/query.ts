import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import type { Page } from "../../contract/page.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../../contract/query-input.js";
import { TYPE_FILTER_NAMES } from "../../contract/type-filter.js";
import { QueryError } from "../../engine/errors.js";
import { querySessionEvents, querySessionsEvents } from "../../engine/run-query.js";
import { eventSummary, oneLine, shortTime, table } from "../format.js";
import { parseInput, sessionsSelection } from "../parse-input.js";
import { appOptions, withAppOptions } from "../shared-options.js";

type QueryFlags = {
  session?: string;
  types?: string;
  text?: string;
  since?: string;
  until?: string;
  limit?: string;
  order?: "asc" | "desc";
  cursor?: string;
  agent?: string;
  spawnedBy?: string;
  descendants?: boolean;
  generations?: "current" | "all";
  groupBy?: string;
  fields?: string;
  maxFieldChars?: string;
  event?: string;
  offset?: string;
  follow?: boolean;
  json?: boolean;
};

export function queryCommand(): Command {
  return withAppOptions(
    new Command("query")
      .description("Run a session_events / sessions_events query from the shell (the same filters the tools take).")
      .argument("[patterns...]", 'session key patterns for sessions_events (default "*")')
      .option("-s, --session <key>", 'one session (session_events): a key, a session id, or "current"')
      .option("-t, --types <list>", `comma-separated event types or aliases (${TYPE_FILTER_NAMES.join(", ")})`)
      .option("--text <query>", 'only events whose text matches: words, "a phrase", prefix*')
      .option("--since <time>", 'ISO-8601, epoch ms, or a duration before now ("1h", "2 days")')
      .option("--until <time>", "same forms as --since; exclusive")
      .option("-n, --limit <n>", "events per page (default 50, max 500)")
      .addOption(new Option("--order <order>", "asc (oldest first) or desc").choices(["asc", "desc"]))
      .option("--cursor <cursor>", "nextCursor of the previous page")
      .option("--agent <id>", "only sessions of this agent (sessions_events)")
      .option("--spawned-by <key>", 'only sessions spawned by this key or "current" (sessions_events)')
      .option("--descendants", "with --spawned-by: the whole subtree")
      .addOption(new Option("--generations <which>", "current (default) or all: also earlier transcripts of a key").choices(["current", "all"]))
      .option("-g, --group-by <keys>", "count instead of list: one or two of type,tool,session,agent,model,hour,day")
      .option("--fields <list>", "keep only these payload fields (comma-separated)")
      .option("--max-field-chars <n>", "cut text fields longer than this (default 2000)")
      .option("--event <id>", "fetch one event by id with its whole payload (with --session or alone)")
      .option("--offset <n>", "with --event: continue a large payload from this character offset")
      .option("-f, --follow", "keep printing new events as they are written, until interrupted")
      .option("--json", "print the page as JSON (what the tools return)"),
  ).action(async (patterns: string[], flags: QueryFlags, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    if (flags.follow) return follow(ctx, patterns, flags);
    const page = await runFromFlags(ctx, patterns, flags);
    const readable = flags.event !== undefined ? formatFetchedEvent(page) : formatPage(page);
    process.stdout.write(flags.json ? `${JSON.stringify(page, null, 2)}\n` : `${readable}\n`);
  });
}

/** Prints events as they come: one long-poll after another from the last cursor, until Ctrl-C. */
async function follow(ctx: ReturnType<typeof createAppContext>, patterns: string[], flags: QueryFlags): Promise<void> {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  let cursor = flags.cursor;
  while (!controller.signal.aborted) {
    const page = await runFromFlags(ctx, patterns, { ...flags, cursor }, { waitMs: 25_000, signal: controller.signal });
    for (const event of page.events) {
      process.stdout.write(
        flags.json ? `${JSON.stringify(event)}\n` : `${shortTime(event.timestamp)}  ${event.session}  ${event.seq}  ${event.type}  ${oneLine(eventSummary(event), 120)}\n`,
      );
    }
    cursor = page.nextCursor;
  }
}

async function runFromFlags(
  ctx: ReturnType<typeof createAppContext>,
  patterns: string[],
  flags: QueryFlags,
  live: { waitMs?: number; signal?: AbortSignal } = {},
): Promise<Page> {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const common = {
    types: flags.types?.split(",").map((t) => t.trim()).filter(Boolean),
    text: flags.text,
    since: flags.since,
    until: flags.until,
    limit: number(flags.limit),
    order: flags.order,
    generations: flags.generations,
    groupBy: flags.groupBy?.split(",").map((k) => k.trim()).filter(Boolean),
    fields: flags.fields?.split(",").map((k) => k.trim()).filter(Boolean),
    maxFieldChars: number(flags.maxFieldChars),
    waitMs: live.waitMs,
    cursor: flags.cursor,
  };
  if (flags.session !== undefined || flags.event !== undefined) {
    if (patterns.length > 0 || flags.agent || flags.spawnedBy) {
      throw new QueryError("--session reads one session; leave out patterns, --agent and --spawned-by (or drop --session).");
    }
    const one = { ...common, sessionKey: flags.session, eventId: flags.event, offset: number(flags.offset) };
    return querySessionEvents(ctx, parseInput(SessionEventsInputSchema, one), { signal: live.signal });
  }
  const many = { ...common, ...sessionsSelection(patterns, flags) };
  return querySessionsEvents(ctx, parseInput(SessionsEventsInputSchema, many), { signal: live.signal });
}

function formatGroups(page: Page): string {
  const groups = page.groups ?? [];
  const dims = Object.keys(groups[0]?.key ?? {});
  const rows = groups.map((g) => [
    ...dims.map((d) => g.key[d] ?? "-"),
    String(g.count),
    String(g.errors),
    g.durationMs ? `${g.durationMs.p50}/${g.durationMs.p95}` : "-",
    g.tokens ? String(g.tokens.total) : "-",
    g.costUsd !== undefined ? g.costUsd.toFixed(4) : "-",
    `${shortTime(g.firstTimestamp)} .. ${shortTime(g.lastTimestamp)}`,
  ]);
  const facts = [`${groups.length} group(s) from ${page.sessionsMatched} session(s)`, page.hiddenByVisibility ? `${page.hiddenByVisibility} hidden by visibility` : ""];
  return [
    groups.length > 0 ? table([...dims, "count", "errors", "ms p50/p95", "tokens", "cost $", "first .. last"], rows) : "(no events)",
    "",
    facts.filter(Boolean).join("; "),
    ...page.notes,
  ].join("\n");
}

export function formatPage(page: Page): string {
  if (page.groups) return formatGroups(page);
  const multiSession = page.sessionsMatched > 1;
  const headers = ["time", ...(multiSession ? ["session"] : []), "seq", "type", "summary"];
  const rows = page.events.map((e) => [
    shortTime(e.timestamp),
    ...(multiSession ? [e.session] : []),
    String(e.seq),
    e.type,
    oneLine(eventSummary(e), 100),
  ]);
  const facts = [
    `${page.events.length} event(s) from ${page.sessionsMatched} session(s)`,
    page.hasMore ? `more available (stopped by ${page.stoppedBy})` : "no more now",
    page.hiddenByVisibility ? `${page.hiddenByVisibility} hidden by visibility` : "",
    page.truncatedEvents ? `${page.truncatedEvents} truncated` : "",
    page.redactedEvents ? `${page.redactedEvents} redacted` : "",
    page.skippedLines ? `${page.skippedLines} unreadable line(s) skipped` : "",
  ].filter(Boolean);
  return [
    page.events.length > 0 ? table(headers, rows) : "(no events)",
    "",
    facts.join("; "),
    ...page.notes,
    `next: --cursor ${page.nextCursor}`,
  ].join("\n");
}

/** One fetched event (--event): its fields, then its whole payload as indented JSON. */
function formatFetchedEvent(page: Page): string {
  const event = page.events[0];
  if (!event) return ["(no event)", ...page.notes].join("\n");
  const head = `${event.id}  ${shortTime(event.timestamp)}  ${event.session}  ${event.type}  (${event.visibility})${event.redacted ? "  redacted" : ""}${event.truncated ? "  truncated" : ""}`;
  return [head, JSON.stringify(event.payload, null, 2), ...page.notes].join("\n");
}

import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import type { Page } from "../../contract/page.js";
import { TYPE_FILTER_NAMES } from "../../contract/type-filter.js";
import { cursorCarriesWalk } from "../../engine/walk.js";
import { checkFlags, wholeNumber, type QueryFlags } from "../query/flags.js";
import { eventTable, formatFetchedEvent, formatGroups, pageFacts } from "../query/page-format.js";
import { columnsFor, follow, printAllPages, runPage } from "../query/pages.js";
import { appOptions, nextCommandOptions, shellQuoted, withAppOptions } from "../shared-options.js";
import { warnIfNoCache, warnIfNoSessions } from "../warnings.js";

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
      .option("-n, --limit <n>", "events per page (default 50, max 500)", wholeNumber)
      .addOption(new Option("--order <order>", "asc (oldest first) or desc").choices(["asc", "desc"]))
      .option("--cursor <cursor>", "continue a query from the cursor a page printed (alone: it carries the query)")
      .option("--all", "print every page, not just the first")
      .option("--agent <id>", "only sessions of this agent (sessions_events)")
      .option("--spawned-by <key>", 'only sessions spawned by this key or "current" (sessions_events)')
      .option("--descendants", "with --spawned-by: the whole subtree")
      .addOption(new Option("--generations <which>", "current (default) or all: also earlier transcripts of a key").choices(["current", "all"]))
      .option("-g, --group-by <keys>", "count instead of list: one or two of type,tool,session,agent,model,hour,day")
      .option("--fields <list>", "keep only these payload fields (comma-separated)")
      .option("--max-field-chars <n>", "cut text fields longer than this (default 2000)", wholeNumber)
      .option("--event <id>", "fetch one event by id with its whole payload (with --session or alone)")
      .option("--offset <n>", "with --event: continue a large payload from this character offset", wholeNumber)
      .option("-f, --follow", "keep printing new events as they are written, until interrupted")
      .option("--json", "print the page as JSON (what the tools return); with --all or --follow, one event per line"),
  ).action(async (patterns: string[], flags: QueryFlags, command: Command) => {
    checkFlags(patterns, flags);
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    warnIfNoCache(ctx);
    await warnIfNoSessions(ctx);
    if (flags.follow) return follow(ctx, patterns, flags);
    if (flags.all) {
      await printAllPages(ctx, patterns, flags);
      return;
    }
    const page = await runPage(ctx, patterns, flags);
    if (flags.json) return void process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    // (a query too large for its cursor to carry needs its arguments again: the next command repeats them)
    const carried = !page.hasMore || cursorCarriesWalk(ctx, page.nextCursor);
    const nextArgs = carried ? nextCommandOptions(command.optsWithGlobals()) : givenArguments(process.argv.slice(2)).map(shellQuoted);
    const readable = flags.event !== undefined ? formatFetchedEvent(page) : page.groups ? formatGroups(page) : formatPage(page, flags, nextArgs, carried);
    process.stdout.write(`${readable}\n`);
  });
}

/**
 * A page for people: the events, the facts, and (only when there is more) the command for the next page:
 * the cursor (it carries the query), the page's shape as given (size, fields), and the store and caller options.
 */
export function formatPage(page: Page, flags: QueryFlags, appFlags: string[], carried = true): string {
  const table = page.events.length > 0 ? eventTable(page.events, columnsFor(flags, page.sessionsMatched)) : "(no events)";
  const shape = !carried ? [] : [
    ...(flags.limit !== undefined ? ["-n", String(flags.limit)] : []),
    ...(flags.fields !== undefined ? ["--fields", shellQuoted(flags.fields)] : []),
    ...(flags.maxFieldChars !== undefined ? ["--max-field-chars", String(flags.maxFieldChars)] : []),
  ];
  const next = page.hasMore ? [`next: ${["session-events", "query", "--cursor", page.nextCursor, ...shape, ...appFlags].join(" ")}`] : [];
  return [table, "", ...pageFacts(page), ...next].join("\n");
}

/** The arguments this command was given, but for its name and its --cursor (the next page's command gives the new one). */
function givenArguments(argv: string[]): string[] {
  // the command's name: the first word not the value of an option given before it
  let name = 0;
  while (name < argv.length && (argv[name]!.startsWith("-") || (name > 0 && VALUE_OPTIONS.has(argv[name - 1]!)))) name++;
  const args = [...argv.slice(0, name), ...argv.slice(name + 1)];
  return args.filter((arg, at) => arg !== "--cursor" && args[at - 1] !== "--cursor" && !arg.startsWith("--cursor="));
}

const VALUE_OPTIONS = new Set(["--store", "--caller", "--scope", "--clearance", "--config"]);

import { InvalidArgumentError } from "commander";
import type { AppContext } from "../../app/context.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema, type SessionEventsInput, type SessionsEventsInput } from "../../contract/query-input.js";
import { QueryError } from "../../engine/errors.js";
import { cursorTool } from "../../engine/walk.js";
import { FLAG_OF } from "../cli-errors.js";
import { parseInput, sessionsSelection } from "../parse-input.js";
import { warn, warnRegexLikePatterns } from "../warnings.js";

export type QueryFlags = {
  session?: string;
  types?: string;
  text?: string;
  since?: string;
  until?: string;
  limit?: number;
  order?: "asc" | "desc";
  cursor?: string;
  agent?: string;
  spawnedBy?: string;
  descendants?: boolean;
  generations?: "current" | "all";
  groupBy?: string;
  fields?: string;
  maxFieldChars?: number;
  event?: string;
  offset?: number;
  follow?: boolean;
  all?: boolean;
  json?: boolean;
};

/** Commander's parser for a whole-number flag: a bad value is a usage error that names the flag. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number.");
  return Number(value.trim());
}

/** The tool call the flags make: one session (--session, --event, or a cursor of one) or many. */
export type ToolCall = { tool: "session_events"; input: SessionEventsInput } | { tool: "sessions_events"; input: SessionsEventsInput };

/**
 * Checks the flags together, in the CLI's words, before any tool sees them: what goes with what, what
 * would be silently ignored (an error: a flag that does nothing is a mistake), and patterns that look
 * like regular expressions (a warning: they are legal, and match nothing).
 */
export function checkFlags(patterns: string[], flags: QueryFlags): void {
  const conflict = (message: string) => {
    throw new QueryError(message);
  };
  if (flags.offset !== undefined && flags.event === undefined) conflict("--offset goes with --event (the character offset in one event's payload); leave it out otherwise.");
  for (const [name, value] of [["--types", flags.types], ["--group-by", flags.groupBy], ["--fields", flags.fields]] as const) {
    if (value !== undefined && splitList(value)!.length === 0) conflict(`${name} is empty: give one or more comma-separated values, or leave ${name} out.`);
  }
  if (flags.descendants && flags.spawnedBy === undefined) conflict('--descendants goes with --spawned-by (e.g. --spawned-by current --descendants).');
  if (flags.groupBy !== undefined && (flags.cursor !== undefined || flags.all || flags.follow)) {
    conflict("--group-by counts the whole window in one answer: it has no pages, so leave out --cursor, --all and --follow.");
  }
  if (flags.follow && flags.order === "desc") conflict("--follow prints new events as they come, oldest first: leave out --order desc.");
  if (flags.follow && flags.all) conflict("--follow already prints every page: leave out --all.");
  if (flags.event !== undefined) {
    const ignored = (["types", "text", "since", "until", "groupBy", "fields", "cursor", "all", "follow"] as const).filter((f) => flags[f] !== undefined);
    for (const name of ignored) warn(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is ignored with --event (it fetches that one event whole).`);
  }
  warnRegexLikePatterns([...patterns, flags.session, flags.agent, flags.spawnedBy]);
}

export function toolCall(ctx: AppContext, patterns: string[], flags: QueryFlags, live: { waitMs?: number; cursor?: string } = {}): ToolCall {
  const cursor = live.cursor ?? flags.cursor;
  const common = {
    types: splitList(flags.types),
    text: flags.text,
    since: flags.since,
    until: flags.until,
    limit: flags.limit,
    order: flags.order,
    generations: flags.generations,
    groupBy: splitList(flags.groupBy),
    fields: splitList(flags.fields),
    maxFieldChars: flags.maxFieldChars,
    waitMs: live.waitMs,
    cursor,
  };
  const many = patterns.length > 0 || flags.agent !== undefined || flags.spawnedBy !== undefined;
  if (flags.session !== undefined && many) throw new QueryError("--session reads one session; leave out patterns, --agent and --spawned-by (or drop --session).");
  // a cursor alone says which kind of query it continues
  const one = flags.session !== undefined || flags.event !== undefined || (!many && cursor !== undefined && cursorTool(ctx, cursor) === "session_events");
  if (one) {
    const input = { ...common, sessionKey: flags.session, eventId: flags.event, offset: flags.offset };
    return { tool: "session_events", input: parseInput(SessionEventsInputSchema, input) };
  }
  const selection = sessionsSelection(patterns, flags);
  return { tool: "sessions_events", input: parseInput(SessionsEventsInputSchema, { ...common, ...selection }, { ...FLAG_OF, sessionKey: "pattern" }) };
}

function splitList(value: string | undefined): string[] | undefined {
  return value?.split(",").map((item) => item.trim()).filter(Boolean);
}

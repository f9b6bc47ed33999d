import type { Page } from "../contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../contract/query-input.js";
import { typePredicate } from "../contract/type-filter.js";
import { newReadStats, type ReadStats, type SessionInfo } from "../sources/session.js";
import { assemblePage } from "./assemble-page.js";
import { collectEvents } from "./collect.js";
import { CursorCodec, fingerprintOf, type CursorState } from "./cursor.js";
import { sessionsInScope, type Principal } from "./principal.js";
import type { Redactor } from "./redact.js";
import { selectMany, selectOne } from "./select.js";
import { PageEventShaper } from "./page-events.js";
import { isoOrNull, resolveWindow, type TimeWindow } from "./time.js";
import { aggregateEvents } from "./aggregate.js";
import { QueryError } from "./errors.js";
import type { ConfidentialRule } from "./visibility.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export type Policy = {
  rules: readonly ConfidentialRule[];
  redactor: Redactor;
  pageBytes: number;
  maxFieldChars: number;
};

/** Everything a query needs besides its arguments: the store, who asks, the rules, the clock. */
export type QueryContext = {
  listSessions(): Promise<SessionInfo[]>;
  principal: Principal;
  policy: Policy;
  cursors: CursorCodec;
  now(): number;
  /** When set, each query adds the work it did (bytes and lines read) here: for tests and benchmarks. */
  workDone?: ReadStats;
};

type CommonInput = Pick<SessionEventsInput, "types" | "since" | "until" | "limit" | "order" | "cursor" | "groupBy">;

export async function querySessionEvents(ctx: QueryContext, input: SessionEventsInput): Promise<Page> {
  const all = await ctx.listSessions();
  const sessions = selectOne(sessionsInScope(all, ctx.principal), input.sessionKey, ctx.principal, input.generations);
  const selection = { tool: "session_events", sessionKey: input.sessionKey ?? "current", generations: input.generations ?? "current" };
  return runQuery(ctx, sessions, selection, input);
}

export async function querySessionsEvents(ctx: QueryContext, input: SessionsEventsInput): Promise<Page> {
  const all = await ctx.listSessions();
  const sessions = selectMany(all, sessionsInScope(all, ctx.principal), input, ctx.principal);
  const selection = {
    tool: "sessions_events",
    sessionKey: input.sessionKey ?? "*",
    agentId: input.agentId,
    spawnedBy: input.spawnedBy,
    descendants: input.descendants,
    generations: input.generations ?? "current",
  };
  return runQuery(ctx, sessions, selection, input);
}

async function runQuery(
  ctx: QueryContext,
  sessions: SessionInfo[],
  selection: Record<string, unknown>,
  input: CommonInput,
): Promise<Page> {
  const order = input.order ?? "asc";
  const fingerprint = fingerprintOf({
    ...selection,
    principal: ctx.principal,
    types: input.types ?? null,
    since: input.since ?? null,
    until: input.until ?? null,
    order,
    groupBy: input.groupBy ?? null,
  });
  if (input.groupBy && input.cursor !== undefined) {
    throw new QueryError("groupBy results come whole in one call and have no pages: leave out cursor.");
  }
  const resumed = input.cursor !== undefined ? ctx.cursors.decode(fingerprint, input.cursor) : undefined;
  const window = resumed ? { since: resumed.since, until: resumed.until } : resolveWindow(input.since, input.until, ctx.now());
  const requested = input.limit ?? DEFAULT_LIMIT;
  const limit = Math.min(requested, MAX_LIMIT);
  const notes: string[] = [];
  if (requested > MAX_LIMIT) notes.push(`limit ${requested} was clamped to the maximum of ${MAX_LIMIT}.`);
  const envelope = {
    order,
    limit,
    ...(requested > MAX_LIMIT ? { limitClamped: true } : {}),
    window: { since: isoOrNull(window.since), until: isoOrNull(window.until) },
    sessionsMatched: sessions.length,
    notes,
  };
  if (input.groupBy) return groupPage(ctx, sessions, input, { window, limit, envelope });

  const stats = newReadStats();
  const shaper = new PageEventShaper({
    redactor: ctx.principal.clearance === "confidential" ? undefined : ctx.policy.redactor,
    stripInternal: ctx.principal.clearance === "public",
    maxFieldChars: ctx.policy.maxFieldChars,
  });
  const { ranked, hidden, heldBack, skipped } = await collectEvents({
    sessions,
    window,
    types: typePredicate(input.types),
    order,
    after: resumed?.after,
    want: limit + 1,
    clearance: ctx.principal.clearance,
    rules: ctx.policy.rules,
    stats,
    measure: (item) => shaper.shaped(item).bytes,
    now: ctx.now(),
    pageBytes: ctx.policy.pageBytes,
  });
  addWork(ctx, stats);
  if (heldBack > 0) {
    notes.push(`${heldBack === 1 ? "An event was" : "Events were"} held back until a line being written completes; call again with nextCursor shortly.`);
  }

  const page = assemblePage({
    ranked,
    hidden,
    skipped,
    order,
    after: resumed?.after,
    limits: { limit, pageBytes: ctx.policy.pageBytes },
    shaper,
    envelope,
    cursorFor: (state: Pick<CursorState, "after">) => ctx.cursors.encode(fingerprint, { ...window, ...state }),
  });
  // the next page of this walk starts reading where this one's last event is
  ranked[page.events.length - 1]?.event.resumePoint?.save();
  return page;
}

/** A page of groups (groupBy): counts over the whole window, largest groups first. */
async function groupPage(
  ctx: QueryContext,
  sessions: SessionInfo[],
  input: CommonInput,
  { window, limit, envelope }: { window: TimeWindow; limit: number; envelope: Omit<Page, "events" | "nextCursor" | "hasMore" | "stoppedBy" | "hiddenByVisibility" | "truncatedEvents" | "redactedEvents" | "skippedLines"> },
): Promise<Page> {
  const stats = newReadStats();
  const result = await aggregateEvents({
    sessions,
    window,
    types: typePredicate(input.types),
    groupBy: input.groupBy!,
    clearance: ctx.principal.clearance,
    rules: ctx.policy.rules,
    stats,
    now: ctx.now(),
    maxGroups: limit,
  });
  addWork(ctx, stats);
  if (result.totalGroups > result.groups.length) {
    envelope.notes.push(`${result.totalGroups} groups; the ${result.groups.length} largest are shown (raise limit, up to ${MAX_LIMIT}).`);
  }
  return {
    events: [],
    groups: result.groups,
    nextCursor: "",
    hasMore: false,
    ...envelope,
    stoppedBy: result.totalGroups > result.groups.length ? "limit" : "end",
    hiddenByVisibility: result.hidden,
    truncatedEvents: 0,
    redactedEvents: 0,
    skippedLines: stats.skippedLines,
  };
}

function addWork(ctx: QueryContext, stats: ReadStats): void {
  if (!ctx.workDone) return;
  ctx.workDone.bytesRead += stats.bytesRead;
  ctx.workDone.linesRead += stats.linesRead;
  ctx.workDone.skippedLines += stats.skippedLines;
}

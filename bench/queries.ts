/**
 * The benchmark's queries against this project, in-process (run-one.ts runs each in a child process,
 * possibly several times over one app context, as a running server would): Q0 a small session's first
 * page, Q1 tail of one session, Q2 last hour of every session, Q3 tool errors by tool, Q4 a walk over
 * every page of one session and the full passes it is compared with, `session-events index` over the
 * whole store, and the 50 MB single-line check.
 * Each returns a small JSON result the harness checks against the generator's ground truth.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createAppContext, type AppContext } from "../src/app/context.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import type { Page } from "../src/contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../src/contract/query-input.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { PageEventShaper } from "../src/engine/page-events.js";
import { inGenerations } from "../src/engine/select.js";
import { classify } from "../src/engine/visibility.js";
import { warmIndexes } from "../src/engine/warm-indexes.js";
import { positionOf } from "../src/engine/collect.js";
import { readLines } from "../src/sources/transcript/line-reader.js";
import { withTurns } from "../src/sources/transcript/turns.js";
import { TranscriptNormalizer } from "../src/sources/transcript/normalize.js";
import { newReadStats } from "../src/sources/session.js";
import { listTranscripts } from "./transcripts.js";

/** What a child process is asked to run. */
export type QuerySpec = {
  query: string;
  store: string;
  /** SESSION_EVENTS_CACHE_DIR for this run: a fresh dir (cold) or one a previous run left (warm). */
  cacheDir: string;
  /** The last hour's lower bound, epoch ms (the store's now - 1h). */
  since: number;
  sessionKey?: string;
  path?: string;
  /** A walk stops after this long (ms) and reports how far it got. */
  deadlineMs: number;
  /** The search text (ours.search). */
  text?: string;
  /** How many times the child runs the query over one app context (default 1): run 1 is the process's first query, the rest repeats. */
  repeat?: number;
  /**
   * Before each repeat, something in the store changes (a file comes and goes in its agents dir), as in
   * a live store between two queries: the server lists the store again, and drops what hangs off the
   * listing (lookups by key, where each session's next event is); indexes and registry copies stay.
   */
  changeStoreBetweenRuns?: boolean;
};

/** `app` gives the process's one app context (made on first use), as a running server has. */
export type QueryFn = (spec: QuerySpec, app: () => AppContext) => Promise<unknown>;

export type WalkResult = { pages: number; events: number; timedOut: boolean; problems: string[] };

export function context(spec: QuerySpec): AppContext {
  const env: NodeJS.ProcessEnv = { ...process.env, SESSION_EVENTS_CACHE_DIR: spec.cacheDir };
  for (const name of ["SESSION_EVENTS_CALLER", "SESSION_EVENTS_SCOPE", "SESSION_EVENTS_STORE", "SESSION_EVENTS_CURSOR_SECRET"]) delete env[name];
  return createAppContext({ store: spec.store, clearance: "confidential" }, env); // operator: scope all
}

type Event = Page["events"][number];

/**
 * Follows nextCursor from the first page while hasMore, handing each page's events to `onEvents`;
 * stops at the deadline. Flags a page that makes no progress (same cursor, no events) and stops.
 */
async function walk(first: (cursor?: string) => Promise<Page>, deadlineMs: number, onEvents: (events: Event[]) => void): Promise<WalkResult> {
  const started = Date.now();
  const problems: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let events = 0;
  for (;;) {
    const page = await first(cursor);
    pages++;
    events += page.events.length;
    onEvents(page.events);
    if (!page.hasMore) return { pages, events, timedOut: false, problems };
    if (page.events.length === 0 && page.nextCursor === cursor) {
      problems.push(`page ${pages} made no progress (stoppedBy ${page.stoppedBy})`);
      return { pages, events, timedOut: false, problems };
    }
    cursor = page.nextCursor;
    if (Date.now() - started > deadlineMs) return { pages, events, timedOut: true, problems };
  }
}

/**
 * Checks a walk's events come in strictly increasing query order, which also means each comes once
 * (no set of ids: 184,000 of them would weigh on the walk's own time and memory).
 */
function orderChecker(problems: string[], sameSession: boolean) {
  let previous: Event | undefined;
  return (events: Event[]) => {
    for (const e of events) {
      if (previous) {
        const ok = sameSession
          ? e.seq > previous.seq
          : e.timestamp > previous.timestamp || (e.timestamp === previous.timestamp && (e.session > previous.session || (e.session === previous.session && e.seq > previous.seq)));
        if (!ok) problems.push(`event ${e.id} out of order (or repeated) after ${previous.id}`);
      }
      previous = e;
    }
    if (problems.length > 20) problems.splice(20);
  };
}

/** Q1: the first page of one session's last hour. */
async function tail(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const page = await querySessionEvents(ctx, { sessionKey: spec.sessionKey, since: spec.since, limit: 50 });
  return { events: page.events.length, hasMore: page.hasMore, stoppedBy: page.stoppedBy, allInWindow: page.events.every((e) => e.timestamp >= spec.since) };
}

/** Q0: the first page of a small session, no time filter: what any query costs before it reads much. */
async function firstPage(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const page = await querySessionEvents(ctx, { sessionKey: spec.sessionKey, limit: 50 });
  return { events: page.events.length, hasMore: page.hasMore, stoppedBy: page.stoppedBy, sessionsMatched: page.sessionsMatched };
}

/** The first page of sessions_events "*" (no time filter): what one call over every session of the store costs. */
async function allFirstPage(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const page = await querySessionsEvents(app(), { sessionKey: "*", limit: 50 });
  return { events: page.events.length, hasMore: page.hasMore, stoppedBy: page.stoppedBy, sessionsMatched: page.sessionsMatched };
}

/** Q2: every page of every session's last hour. */
async function recentEverywhere(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const input: SessionsEventsInput = { sessionKey: "*", since: spec.since, limit: 500 };
  const sessions = new Set<string>();
  const problems: string[] = [];
  const check = orderChecker(problems, false);
  const walked = await walk((cursor) => querySessionsEvents(ctx, { ...input, cursor }), spec.deadlineMs, (events) => {
    check(events);
    for (const e of events) sessions.add(e.session);
  });
  walked.problems.push(...problems);
  return { ...walked, sessions: sessions.size };
}

/** Q3: tool_error counts by tool over the whole store, in one grouped call. */
async function toolErrors(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const page = await querySessionsEvents(app(), { types: ["tool_error"], groupBy: ["tool"] });
  const byTool: Record<string, number> = {};
  for (const group of page.groups ?? []) byTool[String(group.key.tool ?? "(unknown)")] = group.count;
  return { byTool, groups: page.groups?.length ?? 0, hasMore: page.hasMore };
}

/** Q4: every page of one session, from its first event. */
async function walkSession(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const input: SessionEventsInput = { sessionKey: spec.sessionKey, limit: 500 };
  const problems: string[] = [];
  const check = orderChecker(problems, true);
  let lastSeq = 0;
  const walked = await walk((cursor) => querySessionEvents(ctx, { ...input, cursor }), spec.deadlineMs, (events) => {
    check(events);
    if (events.length > 0) lastSeq = events[events.length - 1]!.seq;
  });
  walked.problems.push(...problems);
  return { ...walked, lastSeq };
}

/** Our reader and normalizer over one file, once: what a single full read of the transcript costs. */
export async function normalizeFile(path: string, since: number): Promise<{ lines: number; events: number; recentEvents: number; toolErrors: Record<string, number> }> {
  const normalizer = new TranscriptNormalizer();
  let lines = 0;
  let events = 0;
  let recentEvents = 0;
  const toolErrors: Record<string, number> = {};
  for await (const line of withTurns(readLines(path))) {
    lines++;
    let value: unknown;
    try {
      value = line.oversized ? undefined : JSON.parse(line.text);
    } catch {
      continue;
    }
    for (const draft of normalizer.line(value)) {
      events++;
      if (draft.timestamp >= since) recentEvents++;
      if (draft.type === "tool_error") {
        const tool = typeof draft.payload.toolName === "string" ? draft.payload.toolName : "(unknown)";
        toolErrors[tool] = (toolErrors[tool] ?? 0) + 1;
      }
    }
  }
  return { lines, events, recentEvents, toolErrors };
}

async function fullPass(spec: QuerySpec): Promise<unknown> {
  const { lines, events, recentEvents } = await normalizeFile(spec.path!, spec.since);
  return { lines, events, recentEvents };
}

/** About how many events a page of the walk holds (its byte budget ends it first). */
const SHAPER_EVENTS = 50;

/**
 * One pass over the big session as a page sees it: the session's events (reader, normalizer,
 * registry) each classified and shaped for a page and measured, as every page of a walk does.
 */
async function shapedPass(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const session = (await ctx.listSessions()).find((s) => s.key === spec.sessionKey);
  if (!session) throw new Error(`no session ${spec.sessionKey}`);
  const newShaper = () => new PageEventShaper({ stripInternal: false, maxFieldChars: ctx.policy.maxFieldChars });
  let shaper = newShaper();
  let events = 0;
  let bytes = 0;
  for await (const event of session.events({ stats: newReadStats() })) {
    const item = { position: positionOf(event), event, visibility: classify(event, ctx.policy.rules) };
    bytes += shaper.shaped(item).bytes;
    // a shaper per page's worth of events, as pages have (one for all would remember every event)
    if (++events % SHAPER_EVENTS === 0) shaper = newShaper();
  }
  return { events, bytes };
}

/** One pass of our reader and normalizer over every transcript: the floor for a scanning Q3. */
async function storePass(spec: QuerySpec): Promise<unknown> {
  const byTool: Record<string, number> = {};
  let events = 0;
  for (const path of listTranscripts(spec.store)) {
    const r = await normalizeFile(path, spec.since);
    events += r.events;
    for (const [tool, n] of Object.entries(r.toolErrors)) byTool[tool] = (byTool[tool] ?? 0) + n;
  }
  return { events, byTool };
}

/** A session whose last line is a 50 MB tool result: the page must stay small and say it cut the text. */
async function hugeLine(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const page = await querySessionEvents(ctx, { sessionKey: spec.sessionKey, limit: 50, order: "desc" });
  const texts = page.events.map((e) => ({ e, chars: typeof e.payload.text === "string" ? e.payload.text.length : 0 }));
  const biggest = texts.sort((a, b) => b.chars - a.chars)[0];
  return {
    events: page.events.length,
    pageBytes: Buffer.byteLength(JSON.stringify(page)),
    biggestType: biggest?.e.type,
    biggestChars: biggest?.chars ?? 0,
    truncated: biggest?.e.truncated === true,
    truncatedEvents: page.truncatedEvents,
    skippedLines: page.skippedLines,
  };
}

/** `session-events index` over the whole store: every transcript read the first time, a stat each after. */
/** `session-events index` without the full-text index (as it was before it): transcript indexes and totals. */
async function indexStore(_spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const sessions = (await ctx.store.list()).sessions.filter((s) => inGenerations(s, "current"));
  const result = await warmIndexes(sessions);
  return { sessions: result.sessions };
}

/** `session-events index` as it is now: the full-text index (whose reads build the transcript indexes), then the transcript indexes' totals; and the index's size. */
async function indexWithText(_spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const ctx = app();
  const sessions = (await ctx.store.list()).sessions.filter((s) => inGenerations(s, "current"));
  const text = await ctx.textIndex!.update(sessions);
  const result = await warmIndexes(sessions);
  const dir = ctx.cache.cache!.fulltext.dir;
  const indexBytes = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  return { sessions: result.sessions, textSessions: text.indexed, events: text.events, textBytes: text.textBytes, indexBytes };
}

/** sessions_search for spec.text over the whole store, as an operator: what the ranking and checks need. */
async function search(spec: QuerySpec, app: () => AppContext): Promise<unknown> {
  const result = await searchSessions(app(), { query: spec.text!, limit: 10 });
  return { sessionsWithHits: result.sessionsWithHits, top: result.sessions.map((s) => [s.key, s.hits]), notes: result.notes };
}

export const OUR_QUERIES: Record<string, QueryFn> = {
  "ours.first-page": firstPage,
  "ours.all-first-page": allFirstPage,
  "ours.tail": tail,
  "ours.recent": recentEverywhere,
  "ours.tool-errors": toolErrors,
  "ours.walk-session": walkSession,
  "ours.full-pass": fullPass,
  "ours.shaped-pass": shapedPass,
  "ours.store-pass": storePass,
  "ours.huge-line": hugeLine,
  "ours.index": indexStore,
  "ours.index-with-text": indexWithText,
  "ours.search": search,
};

import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "../contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../contract/query-input.js";
import { typePredicate } from "../contract/type-filter.js";
import { newReadStats, type ListingLook, type SessionInfo } from "../sources/session.js";
import { redactAnswer, redactorFor } from "./answer-redaction.js";
import { assemblePage } from "./assemble-page.js";
import { collectEvents } from "./collect.js";
import { comparePositions, fingerprintOf, type CursorState, type Position } from "./cursor.js";
import { heldRoom, nextHeld } from "./held.js";
import { ListMemo } from "./list-memo.js";
import { INPUT_LIMITS } from "../contract/query-input.js";
import { QueryError } from "./errors.js";
import { PageEventShaper } from "./page-events.js";
import { missingTranscriptNotes, storeNotes } from "./missing-transcripts.js";
import { peeksFor } from "./peeks.js";
import { sessionsInScope } from "./principal.js";
import { addWork, DEFAULT_LIMIT, MAX_LIMIT, type Envelope, type QueryContext } from "./query/context.js";
import { fetchEvent } from "./query/fetch-event.js";
import { followWaiters, liveWaitsOf, MIN_REREAD_MS } from "./query/follow.js";
import { groupPage } from "./query/group-page.js";
import { sessionsOfOne } from "./one-session.js";
import { selectMany, selectOne } from "./select.js";
import { selectionOf, type Selection } from "./selection.js";
import { sessionsWithPossibleHits, textFilterFor } from "./search/text-filter.js";
import { isoOrNull, resolveWindow, type TimeWindow } from "./time.js";
import { resumeWalk, walkBinding, type WalkTool } from "./walk.js";

export { DEFAULT_LIMIT, MAX_LIMIT, type Policy, type QueryContext } from "./query/context.js";

type CommonInput = Omit<SessionEventsInput, "sessionKey" | "eventId" | "offset">;

/** A call in progress: it may be cancelled by the client (a follow stops waiting then). */
export type CallOptions = {
  signal?: AbortSignal;
  /** Without since and cursor, start the window here (epoch ms) while the cursors stay those of no since (a live stream's "now"). */
  startAt?: number;
  /** Receives a cursor resuming right after each event of the page, in page order (a live stream's event ids). */
  onEventCursors?: (cursors: string[]) => void;
};

export async function querySessionEvents(ctx: QueryContext, input: SessionEventsInput, call: CallOptions = {}): Promise<Page> {
  return redactAnswer(await sessionEventsPage(ctx, input, call), redactorFor(ctx));
}

export async function querySessionsEvents(ctx: QueryContext, input: SessionsEventsInput, call: CallOptions = {}): Promise<Page> {
  return redactAnswer(await sessionsEventsPage(ctx, input, call), redactorFor(ctx));
}

async function sessionEventsPage(ctx: QueryContext, given: SessionEventsInput, call: CallOptions): Promise<Page> {
  if (given.eventId !== undefined) {
    const { envelope } = prepare(ctx, [], { ...given, cursor: undefined }, {}, "session_events");
    return fetchEvent(ctx, given.eventId, given.offset ?? 0, envelope);
  }
  if (given.offset !== undefined) throw new QueryError("offset goes with eventId (the part of one event's payload to fetch).");
  const input = resumeWalk(ctx, "session_events", noCursorWithGroupBy(given));
  const select = async () => selectOne(sessionsInScope(await ctx.listSessions(), ctx.principal), input.sessionKey, ctx.principal, input.generations);
  return runQuery(ctx, await sessionsOfOne(ctx, input.sessionKey, input.generations, lookOf(given)), select, "session_events", input, call);
}

async function sessionsEventsPage(ctx: QueryContext, given: SessionsEventsInput, call: CallOptions): Promise<Page> {
  const input = resumeWalk(ctx, "sessions_events", noCursorWithGroupBy(given));
  const select = async (sessionSetStamp?: string) => {
    const all = await ctx.listSessions(sessionSetStamp, lookOf(given));
    return selectMany(sessionsInScope(all, ctx.principal), input, ctx.principal);
  };
  const look = await selectionOf(ctx, select);
  return runQuery(ctx, look.sessions, select, "sessions_events", input, call, look);
}

/** A walk's later pages come every few milliseconds: a listing a moment old will do for them. */
function lookOf(input: { cursor?: string }): ListingLook {
  return input.cursor !== undefined ? "recent" : "now";
}

/** (said before the cursor is opened: the cursor is not what is wrong) */
function noCursorWithGroupBy<I extends CommonInput>(input: I): I {
  if (input.groupBy && input.cursor !== undefined) {
    throw new QueryError("groupBy results come whole in one call and have no pages: leave out cursor.");
  }
  return input;
}

/** What every kind of answer shares: what a cursor is bound to, the time window, the envelope. */
function prepare(ctx: QueryContext, sessions: readonly SessionInfo[], input: CommonInput, call: CallOptions, tool: WalkTool) {
  const order = input.order ?? "asc";
  const binding = walkBinding(tool, input, ctx.principal);
  const fingerprint = fingerprintOf(binding);
  if (input.waitMs && (order !== "asc" || input.groupBy)) {
    throw new QueryError("waitMs follows new events, so it needs order \"asc\" and no groupBy.");
  }
  const resumed = input.cursor !== undefined ? ctx.cursors.decode(binding, input.cursor) : undefined;
  const window: TimeWindow = resumed ? { since: resumed.since, until: resumed.until } : resolveWindow(input.since ?? call.startAt, input.until, ctx.now());
  const requested = input.limit ?? DEFAULT_LIMIT;
  const limit = Math.min(requested, MAX_LIMIT);
  const notes: string[] = [];
  notes.push(...missingTranscriptNotes(sessions), ...storeNotes(sessions));
  if (requested > MAX_LIMIT) notes.push(`limit ${requested} was clamped to the maximum of ${MAX_LIMIT}.`);
  const envelope: Envelope = {
    order,
    limit,
    ...(requested > MAX_LIMIT ? { limitClamped: true } : {}),
    window: { since: isoOrNull(window.since), until: isoOrNull(window.until) },
    sessionsMatched: sessions.length,
    notes,
  };
  return { order, binding, fingerprint, resumed, window, limit, envelope };
}

async function runQuery(
  ctx: QueryContext,
  sessions: readonly SessionInfo[],
  /** Selects the sessions again (a follow looks again as the stores change, new sessions included). */
  select: () => Promise<readonly SessionInfo[]>,
  tool: WalkTool,
  input: CommonInput,
  call: CallOptions,
  /** The look at the store `sessions` came from, when a page can tell whether sessions were added since. */
  look?: Selection,
): Promise<Page> {
  const prepared = prepare(ctx, sessions, input, call, tool);
  if (input.groupBy) {
    const text = textFilterFor(ctx, input.text);
    return groupPage(ctx, sessionsWithPossibleHits(ctx, sessions, text, prepared.window), input, text, prepared.window, prepared.envelope);
  }
  let page = await eventPage(ctx, sessions, input, prepared, call, look);
  const waitMs = input.waitMs ?? 0;
  if (waitMs === 0 || page.events.length > 0) return page;
  // follow: nothing after the cursor yet; look again whenever the stores change, until the wait is up
  const deadline = Date.now() + waitMs;
  const leave = followWaiters.enter();
  if (!leave) {
    page.notes.push(`${followWaiters.max} follows are already waiting on this server, the most it keeps: this one did not wait. Call again with nextCursor shortly.`);
    return page;
  }
  try {
    let current = sessions;
    let readAt = Date.now();
    while (page.events.length === 0 && !call.signal?.aborted && Date.now() < deadline) {
      const dirs = current.map((s) => s.watchDir).filter((d): d is string => d !== undefined);
      if (!(await followWaiters.waitForChange(dirs, deadline - Date.now(), call.signal, liveWaitsOf(current)))) break;
      // (a transcript written line by line wakes every waiter on each line: read at most this often)
      const gap = Math.min(readAt + MIN_REREAD_MS, deadline) - Date.now();
      if (gap > 0) await sleep(gap);
      if (call.signal?.aborted || Date.now() >= deadline) break;
      readAt = Date.now();
      look = look && (await look.again());
      current = look ? look.sessions : await select();
      page = await eventPage(ctx, current, input, prepare(ctx, current, input, call, tool), call, look);
    }
  } finally {
    leave();
  }
  return page;
}

async function eventPage(
  ctx: QueryContext,
  sessions: readonly SessionInfo[],
  input: CommonInput,
  prepared: ReturnType<typeof prepare>,
  call: CallOptions,
  look: Selection | undefined,
): Promise<Page> {
  const { order, binding, fingerprint, resumed, window, limit, envelope } = prepared;
  const text = textFilterFor(ctx, input.text);
  sessions = sessionsWithPossibleHits(ctx, sessions, text, window);
  const stats = newReadStats();
  const shaper = new PageEventShaper({
    redactor: redactorFor(ctx),
    stripInternal: ctx.principal.clearance === "public",
    maxFieldChars: input.maxFieldChars ?? ctx.policy.maxFieldChars,
    fields: input.fields,
  });
  const held = resumed?.held;
  const cursorBase = (after: Position | undefined): CursorState => ({ ...window, after });
  // room for held sessions in a cursor whose `after` is as long as this selection's can be
  const widest = longestPosition(sessions);
  let widestLength: number | undefined;
  const widestCursorLength = () => (widestLength ??= ctx.cursors.encodedLength(binding, cursorBase(widest)));
  const maxHeld = order === "asc" ? heldRoom(widestCursorLength(), INPUT_LIMITS.maxCursorLength) : 0;
  const { ranked, hidden, heldBack, skipped, frontier, outOfBudget, holds, pendingSessions, cutForNewSessions } = await collectEvents({
    sessions,
    window,
    types: typePredicate(input.types),
    text,
    order,
    after: resumed?.after,
    want: limit + 1,
    clearance: ctx.principal.clearance,
    rules: ctx.policy.rules,
    stats,
    measure: (item) => shaper.shaped(item).bytes,
    peeks: order === "asc" ? peeksFor(sessions, JSON.stringify([fingerprint, window.since ?? null, window.until ?? null])) : undefined,
    now: ctx.now(),
    pageBytes: ctx.policy.pageBytes,
    scanBudgetBytes: ctx.policy.scanBudgetBytes,
    held,
    maxHeld,
    selection: look,
  });
  addWork(ctx, stats);
  if (outOfBudget) {
    envelope.notes.push("This call read as much as one call may; the page ends where reading stopped. Call again with nextCursor to go on.");
  }
  if (cutForNewSessions) {
    envelope.notes.push("Sessions were being created while this page was read: it ends before the time their events could have. Call again with nextCursor to go on.");
  }
  if (heldBack > 0) {
    envelope.notes.push(`${heldBack === 1 ? "An event was" : "Events were"} held back until a line being written completes; call again with nextCursor shortly.`);
  }
  const mayHold = holds.held.size + [...holds.caps.keys()].filter((id) => !holds.held.has(id)).length;
  const page = assemblePage({
    ranked,
    hidden,
    skipped,
    order,
    after: resumed?.after,
    limits: { limit, pageBytes: ctx.policy.pageBytes },
    shaper,
    envelope,
    budgetFrontier: outOfBudget || cutForNewSessions ? frontier : undefined,
    frontierReason: cutForNewSessions ? "storeChanged" : "scanBudget",
    cursorFor: (state) => {
      // (held sessions' late events sort before the cursor: where the page was held back for every
      // session, before the cursor, they were considered only up to there)
      const heldUpTo = frontier && { ...frontier, seq: frontier.seq - 0.5 };
      const considered = heldUpTo && (!state.considered || comparePositions(heldUpTo, state.considered) < 0) ? heldUpTo : state.considered;
      const entries = nextHeld(holds, state.seen, considered, state.after);
      if (pendingSessions > 0 && entries.length > 0) {
        envelope.notes.push(
          "Events of a session were held back until a line being written completes (other sessions' events still come); " +
            "call again with nextCursor shortly: they come then, though they sort before this page's last events.",
        );
      }
      return ctx.cursors.encode(binding, { ...cursorBase(state.after), held: entries });
    },
    cursorLength: () => (mayHold === 0 ? widestCursorLength() : ctx.cursors.encodedLength(binding, { ...cursorBase(widest), held: placeholders(mayHold) })),
  });
  // the next page of this walk starts reading each session where this page's last event of it is
  const onPage = ranked.slice(0, page.events.length);
  if (call.onEventCursors) {
    // the last one is the page's own cursor: it also passes the hidden events and skipped lines after it
    const cursors = onPage.map((item, at) => (at === onPage.length - 1 ? page.nextCursor : ctx.cursors.encode(binding, { ...window, after: item.position })));
    call.onEventCursors(cursors);
  }
  shaper.carryOver(onPage);
  const lastOfSession = new Map<string, (typeof ranked)[number]>();
  for (const item of onPage) lastOfSession.set(item.event.sessionId, item);
  for (const item of lastOfSession.values()) item.event.resumePoint?.save();
  return page;
}

const longest = new ListMemo<Position>();

/** A position as long in a cursor as any of these sessions' can be (to size one before it is known). */
function longestPosition(sessions: readonly SessionInfo[]): Position {
  return longest.get(sessions, "", () => longestOf(sessions));
}

function longestOf(sessions: readonly SessionInfo[]): Position {
  let key = "";
  let keyBytes = 2;
  let sid = "";
  let sidBytes = 2;
  for (const s of sessions) {
    // (a string's JSON takes at most 6 bytes a character: most are passed over without measuring them)
    if (6 * s.key.length + 2 > keyBytes) {
      const bytes = jsonStringBytes(s.key);
      if (bytes > keyBytes) [key, keyBytes] = [s.key, bytes];
    }
    if (6 * s.sessionId.length + 2 > sidBytes) {
      const bytes = jsonStringBytes(s.sessionId);
      if (bytes > sidBytes) [sid, sidBytes] = [s.sessionId, bytes];
    }
  }
  return { ts: -1e15, key, sid, seq: 1e9 + 0.5 };
}

/** Printable ASCII but for `"` and `\\`: its JSON is the string in quotes. */
const PLAIN_JSON = /^[ !#-[\]-~]*$/;

/** The bytes of a string's JSON (quotes included). */
function jsonStringBytes(text: string): number {
  return PLAIN_JSON.test(text) ? text.length + 2 : Buffer.byteLength(JSON.stringify(text));
}

/** Held entries as long as real ones usually are (ts and seq of usual sizes), to size a cursor. */
const placeholders = (n: number) => Array.from({ length: n }, () => ({ tag: "xxxxxxxx", ts: -1e15, seq: 1e9 + 0.5 }));

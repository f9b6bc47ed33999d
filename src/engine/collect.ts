import type { Visibility } from "../contract/event.js";
import type { TypePredicate } from "../contract/type-filter.js";
import type { ReadStats, SessionInfo, SourceEvent, TranscriptEnd } from "../sources/session.js";
import { comparePositions, type HeldEntry, type Position } from "./cursor.js";
import { fitsEntry, resolveHeld, sessionId, type HoldState } from "./held.js";
import { clearanceAllows } from "./principal.js";
import { inWindow, type TimeWindow } from "./time.js";
import { ListMemo } from "./list-memo.js";
import { newSessions } from "./new-sessions.js";
import type { Selection } from "./selection.js";
import type { SessionPeeks } from "./peeks.js";
import { TopK } from "./top-k.js";
import { classify, type ConfidentialRule } from "./visibility.js";
import type { TextPredicate } from "./search/matcher.js";

export type Order = "asc" | "desc";

export type CollectSpec = {
  sessions: readonly SessionInfo[];
  window: TimeWindow;
  types?: TypePredicate;
  /** Only events whose searchable text matches: visible ones only, so hidden events are neither searched nor counted. */
  text?: TextPredicate;
  order: Order;
  /** Resume strictly after this position (in `order`). */
  after?: Position;
  /** How many events to find: a page's limit plus one, to learn whether more exist. */
  want: number;
  clearance: Visibility;
  rules: readonly ConfidentialRule[];
  stats: ReadStats;
  /** The bytes an event takes on the page; with pageBytes, lets a session's read stop once past a page's worth. */
  measure?: (item: Ranked) => number;
  pageBytes?: number;
  /** The current time: a session's activity bound only rules it out for a window that starts before now. */
  now: number;
  /** Bytes an ascending page may read before it stops (at the next session, or inside one) and says so (work cap). */
  scanBudgetBytes?: number;
  /** What earlier pages of this ascending query learned of where each session's next event is. */
  peeks?: SessionPeeks;
  /** Sessions the cursor holds on their own (ascending): each is read from its own position. */
  held?: readonly HeldEntry[];
  /** How many sessions the next cursor may hold on their own; past that, a page is cut for all sessions. */
  maxHeld?: number;
  /** The look at the store `sessions` came from (ascending): sessions it gains while the page reads are read too. */
  selection?: Selection;
};

export type Ranked = { position: Position; event: SourceEvent; visibility: Visibility };

export type Collected = {
  /** The first `want` visible matching events after `after`, in order. */
  ranked: Ranked[];
  /** Positions of matching events left out for visibility (a superset of what the page range holds). */
  hidden: Position[];
  /** Events found but held back because a session's line before them is still being written. */
  heldBack: number;
  /** Where skipped lines sit: just after the event before each (seq + 0.5), for counting per page. */
  skipped: Position[];
  /**
   * Set when the page was held back (a line being written, a session that grew, or the scan budget):
   * every event before this position has been considered, none at or after it.
   */
  frontier?: Position;
  /** The scan budget ran out: sessions were left unread. */
  outOfBudget: boolean;
  /** Sessions held on their own (ascending): where each was read from, and how far its cursor may move. */
  holds: HoldState;
  /** Sessions whose line still being written (or growth) holds them back on their own. */
  pendingSessions: number;
  /** The store kept gaining sessions while the page read: it ends where their events could begin. */
  cutForNewSessions: boolean;
};

export function positionOf(event: SourceEvent): Position {
  return { ts: event.orderTs ?? event.timestamp, key: event.session, sid: event.sessionId, seq: event.seq };
}

/** Compares positions in the order of a query: negative when `a` comes first. */
export function orderComparator(order: Order): (a: Position, b: Position) => number {
  return order === "asc" ? comparePositions : (a, b) => comparePositions(b, a);
}

/**
 * Finds the first `want` events of the selected sessions after a cursor position, in the query's
 * order, holding no more than about 2 × want events in memory. Each session's events come in the
 * query's order (positions sort by a session's running maximum of time, which never runs backwards
 * within it, though its events' own times may), so a session is left as soon as its
 * events can no longer make the page; sessions whose activity ended before the window are not opened,
 * and an indexed session is entered at the window or the cursor rather than read from its start.
 */
export async function collectEvents(spec: CollectSpec): Promise<Collected> {
  const before = orderComparator(spec.order);
  // a page holds at most `want` events and at most a page's bytes of them: whichever comes first
  const best = new TopK<Ranked>(
    spec.want,
    (a, b) => before(a.position, b.position),
    spec.measure,
    spec.pageBytes,
  );
  const hidden: Position[] = [];
  const skipped: Position[] = [];
  const { since, until } = spec.window;
  const asc = spec.order === "asc";
  // A line still being written: its events, once complete, sort there, and a cursor that had passed
  // them would never return them. That session's cursor stops before it (a cap), while the others'
  // move on; past `maxHeld` such sessions, ascending pages end before the line for every session.
  let holdBack: Position | undefined;
  const caps = new Map<string, { session: SessionInfo; at: Position; pending: boolean }>();
  const cap = (session: SessionInfo, at: Position, pending: boolean) => {
    const id = sessionId(at);
    const known = caps.get(id);
    if (!known || comparePositions(at, known.at) < 0) caps.set(id, { session, at, pending: pending || !!known?.pending });
  };
  const held = asc ? resolveHeld(spec.held, spec.sessions) : new Map<string, { session: SessionInfo; at: Position }>();
  // (most pages hold no session on its own: no key made per session then)
  const afterFor = (session: SessionInfo) => (held.size === 0 ? spec.after : (held.get(sessionId({ key: session.key, sid: session.sessionId }))?.at ?? spec.after));
  // Sessions are read one after another; one read to its end may have grown while later ones were read,
  // and its new events may sort before theirs. Such a session holds the page back like a pending line.
  const ends: Array<{ end: TranscriptEnd; pending(): void }> = [];

  // A session's last activity (file or row time) bounds its events' times for data written live;
  // data stamped in the future defeats that, and shows itself by bounds beyond now.
  const bounds = [since, asc ? spec.after?.ts : undefined].filter((b): b is number => b !== undefined && b <= spec.now);
  const isHeld = (session: SessionInfo) => held.size > 0 && held.has(sessionId({ key: session.key, sid: session.sessionId }));
  let active = activeSince(spec.sessions, spec.order, bounds.length > 0 ? Math.max(...bounds) : undefined);
  if (held.size > 0) active = active.filter((a) => !isHeld(a.session));
  const peeks = asc ? spec.peeks : undefined;
  // held sessions come first, whatever their activity: their late events sort before the cursor
  const ordered = [...held.values()].map(({ session }): Active => ({ session, lastActivity: undefined })).concat(peeks ? byNextEvent(active, peeks, spec.after) : active);
  let outOfBudget = false;
  const newlyListed = newSessions(asc ? spec.selection : undefined, spec.sessions);
  for (let n = 0; ; n++) {
    if (n === ordered.length) {
      // the store may have gained sessions (or transcripts) while these were read: read them too
      const more = await newlyListed.next();
      if (more.length === 0) break;
      ordered.push(...more.map((session): Active => ({ session, lastActivity: undefined })));
    }
    const { session, lastActivity, next } = ordered[n]!;
    if (session.missingTranscript?.() !== undefined) {
      newlyListed.missing(session);
      continue; // no events (the page's notes say so)
    }
    const sessionAfter = afterFor(session);
    if (asc && spec.scanBudgetBytes !== undefined && spec.stats.bytesRead > spec.scanBudgetBytes) {
      // out of budget: stop before the sessions not read yet, at the earliest point they could hold an
      // event (held sessions not read keep their own positions)
      const unread = ordered.slice(n).map((o) => o.session);
      const frontier = await earliestUnread(unread.filter((u) => !isHeld(u)), spec.after, since);
      if (frontier) {
        if (!holdBack || comparePositions(frontier, holdBack) < 0) holdBack = frontier;
        for (const u of unread.filter(isHeld)) cap(u, afterFor(u)!, false);
        outOfBudget = true;
        break;
      }
    }
    const worstTs = best.worst?.position.ts;
    if (!asc && lastActivity !== undefined && worstTs !== undefined && worstTs <= spec.now && lastActivity < worstTs) continue;
    // the session's next event (or skipped line) is known to come at or after the page's cut-off: pass
    // it over, as reading it would stop right there
    if (next && best.worst && before(next, best.worst.position) >= 0) continue;
    spec.stats.sessionsRead++;
    const learned = peeks?.record(session, sessionAfter);
    let lineBeingWritten = false;
    // the session's cursor may move up to just before the line (its events have at least this time and seq)
    const pending = (ts: number, seq: number) => {
      lineBeingWritten = true;
      if (asc) cap(session, { ts, key: session.key, sid: session.sessionId, seq: seq - 0.5 }, true);
    };
    const reachedEnd = (end: TranscriptEnd) => {
      if (asc) ends.push({ end, pending: () => pending(end.lastTimestamp, end.nextSeq) });
      // (the line's events sort at or after the session's last time, whatever its half-read time says)
      if (asc && lineBeingWritten) pending(end.lastTimestamp, end.nextSeq);
      // later events (lines written since, the registry's session_end) come at or after the end's last
      // time and next seq; nothing more is learned after it
      if (!lineBeingWritten) learned?.add({ ts: end.lastTimestamp, key: session.key, sid: session.sessionId, seq: end.nextSeq - 0.5 });
      learned?.stop();
    };
    // Out of budget inside this session (one transcript can hold gigabytes): it ends at its next event,
    // if that is past the cursor (else reading on is the only way forward), or inside a line longer
    // than the whole budget, which no call could read past anyway.
    const stopAt = (ts: number, seq: number, lineBytes: number) => {
      const at = { ts, key: session.key, sid: session.sessionId, seq };
      if (lineBytes <= spec.scanBudgetBytes! && sessionAfter && comparePositions({ ...at, seq: seq - 0.5 }, sessionAfter) <= 0) return false;
      lineBeingWritten = true;
      outOfBudget = true;
      if (isHeld(session)) cap(session, { ...at, seq: seq - 0.5 }, false);
      else if (!holdBack || comparePositions(at, holdBack) < 0) holdBack = at;
      return true;
    };
    const skippedLine = (ts: number, seq: number) => {
      // a skipped line counts where the window holds the event before it: how far a read strays
      // outside the window depends on where the index's stretches begin, the count must not
      if (!inWindow(spec.window, ts)) return;
      const at = { ts, key: session.key, sid: session.sessionId, seq: seq + 0.5 };
      if (!sessionAfter || before(sessionAfter, at) < 0) {
        skipped.push(at);
        learned?.add(at);
      }
    };
    const events = session.events({
      stats: spec.stats,
      direction: asc ? "forward" : "backward",
      skipBefore: asc ? skipBeforeFor(session, since, sessionAfter) : undefined,
      windowStart: asc ? since : undefined,
      skipAfter: asc ? undefined : skipAfterFor(session, spec.after),
      window: spec.window,
      types: spec.types?.types,
      pending,
      reachedEnd,
      skippedLine,
      scanBudget: asc && spec.scanBudgetBytes !== undefined ? { bytes: spec.scanBudgetBytes, stopAt } : undefined,
    });
    // events come in the query's order, so each test below that fails for one fails for all after it
    // (and once the page is full, `worst` is where no later event can make it)
    let enteredWindow = false;
    for await (const event of events) {
      const position = positionOf(event);
      // the window is by each event's own time; a session's order time bounds its earlier events' times
      if (since !== undefined && event.timestamp < since) {
        if (!asc && position.ts < since) break;
        continue;
      }
      if (asc && !enteredWindow) {
        // later pages (and later polls) of this window can start reading this session right here
        enteredWindow = true;
        if (since !== undefined) event.resumePoint?.save();
      }
      if (sessionAfter && before(sessionAfter, position) >= 0) continue;
      if (until !== undefined && event.timestamp >= until) continue; // (a later event's own time may step back into it)
      if (spec.types && !spec.types.matches(event)) continue;
      let visibility: Visibility | undefined;
      if (spec.text) {
        visibility = classify(event, spec.rules);
        if (!clearanceAllows(spec.clearance, visibility) || !spec.text.matches(event, visibility)) continue;
      }
      learned?.add(position);
      const worst = best.worst;
      if (worst && before(position, worst.position) >= 0) break;
      visibility ??= classify(event, spec.rules);
      if (!clearanceAllows(spec.clearance, visibility)) {
        hidden.push(position);
        continue;
      }
      best.push({ position, event, visibility });
    }
  }
  // still gaining sessions after another look (or out of budget): end the page where their events could begin
  const newFrontier = newlyListed.frontier(outOfBudget);
  if (newFrontier && (!holdBack || comparePositions(newFrontier, holdBack) < 0)) holdBack = newFrontier;
  const grown = ends.map(({ end }) => end.grown());
  ends.forEach((e, i) => grown[i] && e.pending());
  // the sessions held before keep their places; new ones take what room is left, earliest first; the
  // rest (and any whose position would not fit a cursor) hold the page back for everyone
  const fresh = [...caps].filter(([id]) => !held.has(id)).sort(([, a], [, b]) => comparePositions(a.at, b.at));
  let room = Math.max(0, (spec.maxHeld ?? 0) - held.size);
  for (const [id, { at }] of fresh) {
    if (room > 0 && fitsEntry(at)) {
      room--;
      continue;
    }
    caps.delete(id);
    const limit = { ...at, seq: at.seq + 0.5 };
    if (!holdBack || comparePositions(limit, holdBack) < 0) holdBack = limit;
  }
  const holds: HoldState = { held, caps };
  const pendingSessions = [...caps.values()].filter((c) => c.pending).length;
  const cutForNewSessions = newFrontier !== undefined && holdBack === newFrontier;
  const ranked = best.sorted();
  if (!holdBack && caps.size === 0) return { ranked, hidden, heldBack: 0, skipped, outOfBudget, holds, pendingSessions, cutForNewSessions };
  const limit = holdBack;
  const released = (p: Position) => {
    const own = caps.get(sessionId(p));
    return (!limit || comparePositions(p, limit) < 0) && (!own || comparePositions(p, own.at) <= 0);
  };
  const kept = ranked.filter((r) => released(r.position));
  return {
    ranked: kept,
    hidden: hidden.filter(released),
    heldBack: outOfBudget || !limit || cutForNewSessions ? 0 : ranked.length - kept.length,
    skipped: skipped.filter(released),
    frontier: holdBack,
    outOfBudget,
    holds,
    pendingSessions,
    cutForNewSessions,
  };
}

/**
 * The earliest position an event of these (unread) sessions could have after the cursor, if that is
 * past the cursor: a page can then end there and still be exact. Undefined when one of them could
 * hold an event right after the cursor, so reading must go on to make progress.
 */
async function earliestUnread(sessions: readonly SessionInfo[], after: Position | undefined, since: number | undefined): Promise<Position | undefined> {
  let frontier: Position | undefined;
  for (const session of sessions) {
    const ts = Math.max((await session.earliest()) ?? 0, since ?? 0);
    const at: Position = { ts, key: session.key, sid: session.sessionId, seq: 0 };
    // the next page resumes just before the frontier: that must be past the cursor, or nothing moves
    if (after && comparePositions({ ...at, seq: -0.5 }, after) <= 0) return undefined;
    if (!frontier || comparePositions(at, frontier) < 0) frontier = at;
  }
  return frontier;
}

/** What an ascending read of a session may skip: events before the window or at or before the cursor. */
function skipBeforeFor(session: SessionInfo, since: number | undefined, after: Position | undefined) {
  const sameSession = after !== undefined && after.key === session.key && after.sid === session.sessionId;
  return {
    timestamp: Math.max(since ?? 0, after?.ts ?? 0),
    seq: sameSession ? Math.floor(after.seq) : undefined,
  };
}

/** What a descending read may skip: events at or after the cursor (the window's end is by own times: see `window`). */
function skipAfterFor(session: SessionInfo, after: Position | undefined) {
  const sameSession = after !== undefined && after.key === session.key && after.sid === session.sessionId;
  return {
    timestamp: after?.ts,
    seq: sameSession ? Math.ceil(after.seq) : undefined,
  };
}

type Active = { session: SessionInfo; lastActivity: number | undefined; next?: Position };

/**
 * Ascending pages visit the sessions whose next event is known in the order of it, so the page's
 * cut-off tightens as early as it can and the sessions after it are passed over; then the others.
 */
function byNextEvent(active: readonly Active[], peeks: SessionPeeks, after: Position | undefined): Active[] {
  const known: Active[] = [];
  const unknown: Active[] = [];
  for (const a of active) {
    const next = peeks.nextAfter(a.session, after);
    if (next) known.push({ ...a, next });
    else unknown.push(a);
  }
  known.sort((a, b) => comparePositions(a.next!, b.next!));
  return known.concat(unknown);
}

const activityOf = (a: Active) => a.lastActivity ?? Number.MAX_SAFE_INTEGER;

/** A selection by last activity, in the query's order; kept for the selection's life (a walk's pages share it). */
const byActivity = new ListMemo<Active[]>();

/**
 * The sessions whose last activity is not before `bound`, those likeliest to hold the first events of
 * the page first (so the cut-off tightens early): a slice of the selection sorted once, not a filter
 * and a sort of thousands of sessions on every page.
 */
function activeSince(sessions: readonly SessionInfo[], order: Order, bound: number | undefined): Active[] {
  const sorted = byActivity.get(sessions, order, () =>
    sessions
      .map((session) => ({ session, lastActivity: session.activity() }))
      .sort((a, b) => (order === "asc" ? activityOf(a) - activityOf(b) : activityOf(b) - activityOf(a))),
  );
  if (bound === undefined) return sorted.slice();
  // ascending, the sessions active before the bound are a prefix; descending, a suffix
  const ruledOut = (a: Active) => a.lastActivity !== undefined && a.lastActivity < bound;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ruledOut(sorted[mid]!) === (order === "asc")) lo = mid + 1;
    else hi = mid;
  }
  return order === "asc" ? sorted.slice(lo) : sorted.slice(0, lo);
}

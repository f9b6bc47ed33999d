import type { Visibility } from "../contract/event.js";
import type { TypePredicate } from "../contract/type-filter.js";
import type { ReadStats, SessionInfo, SourceEvent, TranscriptEnd } from "../sources/session.js";
import { comparePositions, type Position } from "./cursor.js";
import { clearanceAllows } from "./principal.js";
import type { TimeWindow } from "./time.js";
import { TopK } from "./top-k.js";
import { classify, type ConfidentialRule } from "./visibility.js";

export type Order = "asc" | "desc";

export type CollectSpec = {
  sessions: readonly SessionInfo[];
  window: TimeWindow;
  types?: TypePredicate;
  order: Order;
  /** Resume strictly after this position (in `order`). */
  after?: Position;
  /** How many events to find: a page's limit plus one, to learn whether more exist. */
  want: number;
  clearance: Visibility;
  rules: readonly ConfidentialRule[];
  stats: ReadStats;
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
};

export function positionOf(event: SourceEvent): Position {
  return { ts: event.timestamp, key: event.session, sid: event.sessionId, seq: event.seq };
}

/** Compares positions in the order of a query: negative when `a` comes first. */
export function orderComparator(order: Order): (a: Position, b: Position) => number {
  return order === "asc" ? comparePositions : (a, b) => comparePositions(b, a);
}

/**
 * Finds the first `want` events of the selected sessions after a cursor position, in the query's
 * order, holding no more than about 2 × want events in memory. Each session's events come in seq
 * order with non-decreasing time, so in ascending order a session is left as soon as its events can
 * no longer make the page, and sessions whose activity ended before the window are not opened.
 */
export async function collectEvents(spec: CollectSpec): Promise<Collected> {
  const before = orderComparator(spec.order);
  const best = new TopK<Ranked>(spec.want, (a, b) => before(a.position, b.position));
  const hidden: Position[] = [];
  const skipped: Position[] = [];
  const { since, until } = spec.window;
  const asc = spec.order === "asc";
  // Ascending pages end before any line still being written: its events, once complete, sort there,
  // and a cursor that had passed them would never return them.
  let holdBack: Position | undefined;
  // Sessions are read one after another; one read to its end may have grown while later ones were read,
  // and its new events may sort before theirs. Such a session holds the page back like a pending line.
  const ends: Array<{ end: TranscriptEnd; pending(): void }> = [];

  for (const session of orderSessions(spec.sessions, spec.order)) {
    const lastActivity = session.lastActivityAt;
    if (lastActivity !== undefined) {
      if (since !== undefined && lastActivity < since) continue;
      if (asc && spec.after && lastActivity < spec.after.ts) continue;
      const worst = best.worst;
      if (!asc && worst && lastActivity < worst.position.ts) continue;
    }
    const fromTimestamp = Math.max(since ?? 0, asc && spec.after ? spec.after.ts : 0);
    const pending = (ts: number, seq: number) => {
      const at = { ts, key: session.key, sid: session.sessionId, seq };
      if (asc && (!holdBack || comparePositions(at, holdBack) < 0)) holdBack = at;
    };
    const reachedEnd = (end: TranscriptEnd) => {
      if (asc) ends.push({ end, pending: () => pending(end.lastTimestamp, end.nextSeq) });
    };
    const skippedLine = (ts: number, seq: number) => {
      const at = { ts, key: session.key, sid: session.sessionId, seq: seq + 0.5 };
      if (!spec.after || before(spec.after, at) < 0) skipped.push(at);
    };
    for await (const event of session.events({ stats: spec.stats, fromTimestamp, pending, reachedEnd, skippedLine })) {
      const position = positionOf(event);
      if (spec.after && before(spec.after, position) >= 0) {
        if (asc) continue;
        break; // descending: this session's later events are all on the far side of the cursor
      }
      if (since !== undefined && event.timestamp < since) continue;
      if (until !== undefined && event.timestamp >= until) break;
      if (spec.types && !spec.types.matches(event)) continue;
      const worst = best.worst;
      if (asc && worst && before(position, worst.position) >= 0) break;
      const visibility = classify(event, spec.rules);
      if (clearanceAllows(spec.clearance, visibility)) best.push({ position, event, visibility });
      else if (!worst || before(position, worst.position) < 0) hidden.push(position);
    }
  }
  const grown = await Promise.all(ends.map(({ end }) => end.grown()));
  ends.forEach((e, i) => grown[i] && e.pending());
  const ranked = best.sorted();
  if (!holdBack) return { ranked, hidden, heldBack: 0, skipped };
  const limit = holdBack;
  const beforeLimit = (p: Position) => comparePositions(p, limit) < 0;
  const released = ranked.filter((r) => beforeLimit(r.position));
  return {
    ranked: released,
    hidden: hidden.filter(beforeLimit),
    heldBack: ranked.length - released.length,
    skipped: skipped.filter(beforeLimit),
  };
}

/** Sessions likeliest to hold the first events of the page go first, so the cut-off tightens early. */
function orderSessions(sessions: readonly SessionInfo[], order: Order): SessionInfo[] {
  const activity = (s: SessionInfo) => s.lastActivityAt ?? Number.MAX_SAFE_INTEGER;
  return [...sessions].sort((a, b) => (order === "asc" ? activity(a) - activity(b) : activity(b) - activity(a)));
}

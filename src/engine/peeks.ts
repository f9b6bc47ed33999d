import type { SessionInfo } from "../sources/session.js";
import { comparePositions, type Position } from "./cursor.js";
import { ListMemo } from "./list-memo.js";

/** The most positions kept per session: past the last one kept, the session is read again. */
const MAX_POSITIONS = 1024;

type Peek = {
  /** The read started strictly after this position (undefined: at the window's start). */
  from: Position | undefined;
  /**
   * Every position after `from` that a page reading the session would stop at or count (a matching
   * event, visible or hidden, or a skipped line in the window), in order, up to the last one; the last
   * may instead be a bound the session's next such position cannot come before (where its read ended).
   */
  positions: Position[];
};

/**
 * What the pages of one ascending query (same selection, window and filters) learned of each session
 * read: where its next event after a cursor is, so a later page can pass a session over when that is
 * past where the page ends, without reading it. A walk over many sessions otherwise enters every one
 * of them on every page only to find its next event too late for the page (most entries, measured).
 *
 * Kept for the life of the selection (a store listing, which lives until something in the store
 * changes). Even while a listing is kept a transcript may grow, but only by events that sort after its
 * last one, so a position learned before stays the next one, or a bound the next one cannot come before.
 */
export class SessionPeeks {
  private readonly bySession = new Map<string, Peek>();

  /**
   * A position the session's next relevant position after `after` cannot come before (when known);
   * a page whose worst event comes at or before it has nothing to read in the session.
   */
  nextAfter(session: SessionInfo, after: Position | undefined): Position | undefined {
    const peek = this.bySession.get(idOf(session));
    if (!peek) return undefined;
    if (peek.from && (!after || comparePositions(after, peek.from) < 0)) return undefined;
    if (!after) return peek.positions[0];
    // positions are in order: the first one past the cursor
    let lo = 0;
    let hi = peek.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(peek.positions[mid]!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return peek.positions[lo];
  }

  /**
   * Starts learning from a read of the session that begins after `from` (what was known of it before
   * is dropped): `add` each position it meets, in order; after `stop`, nothing more is taken.
   */
  record(session: SessionInfo, from: Position | undefined): { add(position: Position): void; stop(): void } {
    const peek: Peek = { from, positions: [] };
    this.bySession.set(idOf(session), peek);
    let open = true;
    return {
      add: (position) => {
        if (open && peek.positions.length < MAX_POSITIONS) peek.positions.push(position);
      },
      stop: () => {
        open = false;
      },
    };
  }
}

const idOf = (session: SessionInfo) => `${session.key}\n${session.sessionId}`;

const memo = new ListMemo<SessionPeeks>();

/** The peeks of one query over a selection, for as long as the selection lives. */
export function peeksFor(sessions: readonly SessionInfo[], query: string): SessionPeeks {
  return memo.get(sessions, query, () => new SessionPeeks());
}

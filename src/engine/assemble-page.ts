import type { SessionEvent } from "../contract/event.js";
import type { Page } from "../contract/page.js";
import { orderComparator, type Order, type Ranked } from "./collect.js";
import type { CursorState, Position } from "./cursor.js";
import { jsonBytes, SHRINK_STEPS, type PageEventShaper } from "./page-events.js";
import type { Envelope } from "./query/context.js";

export type PageLimits = {
  limit: number;
  pageBytes: number;
};

export type AssembleInput = {
  ranked: Ranked[];
  hidden: Position[];
  /** Positions of skipped lines (between events), counted like hidden events. */
  skipped: Position[];
  order: Order;
  after?: Position;
  limits: PageLimits;
  shaper: PageEventShaper;
  /** The page fields that do not depend on the events. */
  envelope: Envelope;
  /** The scan budget ran out at this position: everything before it was considered, so the cursor may move there. */
  budgetFrontier?: Position;
  /** Why the page ended at `budgetFrontier`: the scan budget (the default), or sessions created while it read. */
  frontierReason?: "scanBudget" | "storeChanged";
  /**
   * The next cursor: after `after`, with every event up to `considered` returned or passed (less than
   * `after` when the page ends among a held session's late events); `seen`, the positions it did.
   */
  cursorFor(state: { after?: Position; considered?: Position; seen: Position[] }): string;
  /** The longest that cursor can be (for sizing the page before it is known where the page ends). */
  cursorLength(state: Pick<CursorState, "after">): number;
};

/**
 * Turns ranked events into a page: payloads shaped (redacted, cut), events added while the page
 * stays within its byte budget (at least one, cut harder if need be, so a walk always advances),
 * and the cursor placed right after the last event returned.
 */
export function assemblePage(input: AssembleInput): Page {
  const { limits } = input;
  const before = orderComparator(input.order);
  const events: SessionEvent[] = [];
  let truncatedEvents = 0;
  let redactedEvents = 0;
  // the envelope's own size, with room for the counters and a cursor
  let used = jsonBytes({ ...input.envelope, events: [], nextCursor: "" }) + input.cursorLength({ after: input.after }) + 160;
  let budgetHit = false;

  for (const item of input.ranked.slice(0, limits.limit)) {
    let { event, bytes: size } = input.shaper.shaped(item);
    if (used + size > limits.pageBytes && events.length === 0) {
      for (const step of SHRINK_STEPS) {
        if (used + size <= limits.pageBytes) break;
        ({ event, bytes: size } = input.shaper.shapedWith(item, step));
      }
      if (used + size > limits.pageBytes) {
        event = { ...event, payload: { omitted: "payload too large for one page" }, truncated: true };
        size = jsonBytes(event) + 1;
      }
    }
    if (used + size > limits.pageBytes && events.length > 0) {
      budgetHit = true;
      break;
    }
    used += size;
    events.push(event);
    if (event.truncated) truncatedEvents++;
    if (event.redacted) redactedEvents++;
  }

  const returned = input.ranked.slice(0, events.length);
  const cutShort = input.ranked.length > events.length;
  const hasMore = cutShort || input.budgetFrontier !== undefined;
  const last = returned.at(-1)?.position;
  // (what collect found is all after the cursor, or after a held session's own position)
  const inRange = (p: Position) => (cutShort ? !!last && before(p, last) <= 0 : true);
  const hiddenInPage = input.hidden.filter(inRange);
  const skippedInPage = input.skipped.filter(inRange);
  // On the last page the cursor also passes hidden events and skipped lines, so a later call does not
  // count them again.
  // (a held session's late events sort before the cursor, which never moves back)
  let resumeAfter = last && (!input.after || before(input.after, last) < 0) ? last : input.after;
  if (!cutShort) {
    for (const p of [...hiddenInPage, ...skippedInPage]) if (!resumeAfter || before(resumeAfter, p) < 0) resumeAfter = p;
    // out of scan budget: nothing before the frontier is left, so the next page starts right there
    const frontier = input.budgetFrontier && { ...input.budgetFrontier, seq: input.budgetFrontier.seq - 0.5 };
    if (frontier && (!resumeAfter || before(resumeAfter, frontier) < 0)) resumeAfter = frontier;
  }
  return {
    events,
    nextCursor: input.cursorFor({
      after: resumeAfter,
      considered: cutShort ? last : resumeAfter,
      seen: [...returned.map((r) => r.position), ...hiddenInPage, ...skippedInPage],
    }),
    hasMore,
    ...input.envelope,
    stoppedBy: budgetHit ? "byteBudget" : cutShort ? "limit" : input.budgetFrontier ? (input.frontierReason ?? "scanBudget") : "end",
    hiddenByVisibility: hiddenInPage.length,
    skippedLines: skippedInPage.length,
    truncatedEvents,
    redactedEvents,
  };
}

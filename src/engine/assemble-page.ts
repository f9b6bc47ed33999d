import type { SessionEvent } from "../contract/event.js";
import type { Page } from "../contract/page.js";
import { orderComparator, type Order, type Ranked } from "./collect.js";
import type { CursorState, Position } from "./cursor.js";
import type { Redactor } from "./redact.js";
import { shapeValue, type ShapeOptions } from "./shape.js";
import { INTERNAL_PAYLOAD_FIELDS } from "./visibility.js";

export type PageLimits = {
  limit: number;
  pageBytes: number;
  maxFieldChars: number;
};

export type AssembleInput = {
  ranked: Ranked[];
  hidden: Position[];
  /** Positions of skipped lines (between events), counted like hidden events. */
  skipped: Position[];
  order: Order;
  after?: Position;
  limits: PageLimits;
  /** Redact secrets (caller below confidential clearance). */
  redactor?: Redactor;
  /** Remove internal payload fields (caller at public clearance). */
  stripInternal: boolean;
  /** The page fields that do not depend on the events. */
  envelope: Omit<
    Page,
    "events" | "nextCursor" | "hasMore" | "stoppedBy" | "hiddenByVisibility" | "truncatedEvents" | "redactedEvents" | "skippedLines"
  >;
  cursorFor(state: Pick<CursorState, "after">): string;
};

const DEFAULT_SHAPE = { maxDepth: 16, maxItems: 200 };
/** Ever-smaller cuts for an event that does not fit the page on its own. */
const SHRINK_STEPS: Array<Omit<ShapeOptions, "redactor">> = [
  { maxFieldChars: 500, maxDepth: 8, maxItems: 50 },
  { maxFieldChars: 120, maxDepth: 4, maxItems: 10 },
];

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

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
  let used = jsonBytes({ ...input.envelope, events: [], nextCursor: input.cursorFor({ after: input.after }) }) + 160;
  let budgetHit = false;

  for (const item of input.ranked.slice(0, limits.limit)) {
    let event = toPageEvent(item, input, { ...DEFAULT_SHAPE, maxFieldChars: limits.maxFieldChars });
    let size = jsonBytes(event) + 1;
    if (used + size > limits.pageBytes && events.length === 0) {
      for (const step of SHRINK_STEPS) {
        if (used + size <= limits.pageBytes) break;
        event = toPageEvent(item, input, step);
        size = jsonBytes(event) + 1;
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
  const hasMore = input.ranked.length > events.length;
  const last = returned.at(-1)?.position;
  const inRange = (p: Position) => (!input.after || before(input.after, p) < 0) && (hasMore ? !!last && before(p, last) <= 0 : true);
  const hiddenInPage = input.hidden.filter(inRange);
  const skippedInPage = input.skipped.filter(inRange);
  // On the last page the cursor also passes hidden events and skipped lines, so a later call does not
  // count them again.
  let resumeAfter = last ?? input.after;
  if (!hasMore) {
    for (const p of [...hiddenInPage, ...skippedInPage]) if (!resumeAfter || before(resumeAfter, p) < 0) resumeAfter = p;
  }
  return {
    events,
    nextCursor: input.cursorFor({ after: resumeAfter }),
    hasMore,
    ...input.envelope,
    stoppedBy: budgetHit ? "byteBudget" : hasMore ? "limit" : "end",
    hiddenByVisibility: hiddenInPage.length,
    skippedLines: skippedInPage.length,
    truncatedEvents,
    redactedEvents,
  };
}

function toPageEvent(item: Ranked, input: AssembleInput, shape: Omit<ShapeOptions, "redactor">): SessionEvent {
  const { event, visibility } = item;
  let payload = event.payload;
  const internal = input.stripInternal ? INTERNAL_PAYLOAD_FIELDS[event.type] : undefined;
  if (internal?.some((field) => field in payload)) {
    payload = { ...payload };
    for (const field of internal) delete payload[field];
  }
  const shaped = shapeValue(payload, { ...shape, redactor: input.redactor });
  const out: SessionEvent = {
    id: event.id,
    seq: event.seq,
    timestamp: event.timestamp,
    time: new Date(event.timestamp).toISOString(),
    agent: event.agent,
    session: event.session,
    sessionId: event.sessionId,
    type: event.type,
    visibility,
    payload: shaped.value as Record<string, unknown>,
  };
  if (shaped.truncated) out.truncated = true;
  if (shaped.redacted) out.redacted = true;
  if (event.meta) out.meta = event.meta;
  return out;
}

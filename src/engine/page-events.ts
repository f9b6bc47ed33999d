import type { SessionEvent, Visibility } from "../contract/event.js";
import type { SourceEvent } from "../sources/session.js";
import type { Ranked } from "./collect.js";
import { markRedacted } from "./answer-redaction.js";
import type { Redactor } from "./redact.js";
import { shapeValue, type ShapeOptions } from "./shape.js";
import { INTERNAL_PAYLOAD_FIELDS } from "./visibility.js";

/** How events are made fit for the caller: what to redact, what to strip, how long a field may be. */
export type ShapePolicy = {
  /** Redact secrets (caller below confidential clearance). */
  redactor?: Redactor;
  /** Remove internal payload fields (caller at public clearance). */
  stripInternal: boolean;
  maxFieldChars: number;
  /** Keep only these payload fields. */
  fields?: readonly string[];
};

export const DEFAULT_SHAPE = { maxDepth: 16, maxItems: 200 };

/** Ever-smaller cuts for an event that does not fit the page on its own. */
export const SHRINK_STEPS: Array<Omit<ShapeOptions, "redactor">> = [
  { maxFieldChars: 500, maxDepth: 8, maxItems: 50 },
  { maxFieldChars: 120, maxDepth: 4, maxItems: 10 },
];

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

export type ShapedEvent = { event: SessionEvent; bytes: number };

/**
 * Shapings of events a page weighed and left out, kept as long as the event itself: a walk's next page
 * meets them first (the events of lines a read has just turned into events are kept for it).
 */
const leftOut = new WeakMap<SourceEvent, { policy: string; redactor?: Redactor; visibility: Visibility; shaped: ShapedEvent }>();

/**
 * Shapes events for a page and remembers the result, so the size measured while collecting (to stop
 * reading once a page is full) is the one used when the page is put together.
 */
export class PageEventShaper {
  private readonly done = new WeakMap<Ranked, ShapedEvent>();
  /** The items shaped for this page, in the order they were. */
  private readonly shapedItems: Ranked[] = [];
  /** What besides the redactor (compared by identity) decides a shaping. */
  private readonly policyKey: string;

  constructor(private readonly policy: ShapePolicy) {
    this.policyKey = JSON.stringify([policy.stripInternal, policy.maxFieldChars, policy.fields ?? null]);
  }

  shaped(item: Ranked): ShapedEvent {
    let result = this.done.get(item);
    if (!result) {
      result = this.shapedBefore(item) ?? this.shapedWith(item, { ...DEFAULT_SHAPE, maxFieldChars: this.policy.maxFieldChars });
      this.done.set(item, result);
      this.shapedItems.push(item);
    }
    return result;
  }

  /** Shapes an event without remembering it: a replay meets each event once and must not hold them all. */
  shapedOnce(item: Ranked): SessionEvent {
    return toPageEvent(item, this.policy, { ...DEFAULT_SHAPE, maxFieldChars: this.policy.maxFieldChars });
  }

  /**
   * Keeps the shapings of the events this page weighed but does not hold (a page weighs more events
   * than it holds), for the next page of the walk, which would otherwise weigh them again.
   */
  carryOver(onPage: readonly Ranked[]): void {
    const held = new Set(onPage);
    for (const item of this.shapedItems) {
      if (held.has(item)) continue;
      leftOut.set(item.event, { policy: this.policyKey, redactor: this.policy.redactor, visibility: item.visibility, shaped: this.done.get(item)! });
    }
    this.shapedItems.length = 0;
  }

  private shapedBefore(item: Ranked): ShapedEvent | undefined {
    const kept = leftOut.get(item.event);
    const same = kept && kept.policy === this.policyKey && kept.redactor === this.policy.redactor && kept.visibility === item.visibility;
    return same ? kept.shaped : undefined;
  }

  shapedWith(item: Ranked, shape: Omit<ShapeOptions, "redactor">): ShapedEvent {
    const event = toPageEvent(item, this.policy, shape);
    return { event, bytes: jsonBytes(event) + 1 };
  }
}

function toPageEvent(item: Ranked, policy: ShapePolicy, shape: Omit<ShapeOptions, "redactor">): SessionEvent {
  const { event, visibility } = item;
  let payload = event.payload;
  if (policy.fields) payload = Object.fromEntries(policy.fields.filter((f) => Object.hasOwn(payload, f)).map((f) => [f, payload[f]]));
  const internal = policy.stripInternal ? INTERNAL_PAYLOAD_FIELDS[event.type] : undefined;
  if (internal?.some((field) => field in payload)) {
    payload = { ...payload };
    for (const field of internal) delete payload[field];
  }
  const shaped = shapeValue(payload, { ...shape, redactor: policy.redactor });
  markRedacted(shaped.value, policy.redactor);
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

import type { SessionEvent } from "../contract/event.js";
import type { Ranked } from "./collect.js";
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

const DEFAULT_SHAPE = { maxDepth: 16, maxItems: 200 };

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
 * Shapes events for a page and remembers the result, so the size measured while collecting (to stop
 * reading once a page is full) is the one used when the page is put together.
 */
export class PageEventShaper {
  private readonly done = new WeakMap<Ranked, ShapedEvent>();

  constructor(private readonly policy: ShapePolicy) {}

  shaped(item: Ranked): ShapedEvent {
    let result = this.done.get(item);
    if (!result) {
      result = this.shapedWith(item, { ...DEFAULT_SHAPE, maxFieldChars: this.policy.maxFieldChars });
      this.done.set(item, result);
    }
    return result;
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

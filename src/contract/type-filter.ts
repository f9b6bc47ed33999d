import { z } from "zod";
import { EVENT_TYPES, type EventType } from "./event.js";

/** One accepted entry of a `types` filter: the event type it selects, and for messages optionally the role. */
type TypeMatcher = { type: EventType; role?: string };

/** Filter names from the seed documents, accepted beside the event types themselves. */
const ALIASES: Record<string, TypeMatcher[]> = {
  complete: [{ type: "session_end" }],
  "conversation.message_in": [{ type: "message", role: "user" }],
  "conversation.message_out": [{ type: "message", role: "assistant" }],
  "conversation.tool_call": [{ type: "tool_call" }],
  "conversation.tool_result": [{ type: "tool_result" }, { type: "tool_error" }],
  "lifecycle.session_start": [{ type: "session_start" }],
  "lifecycle.session_end": [{ type: "session_end" }],
  "lifecycle.compaction": [{ type: "compaction" }],
  "lifecycle.error": [{ type: "error" }, { type: "tool_error" }],
};

export const TYPE_FILTER_NAMES = [...EVENT_TYPES, ...Object.keys(ALIASES)] as [string, ...string[]];
export const TypeFilterNameSchema = z.enum(TYPE_FILTER_NAMES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an event type. Use one of: ${TYPE_FILTER_NAMES.join(", ")}`,
});

export type TypePredicate = {
  /** The event types any entry can select (lets sources skip work for other types). */
  types: ReadonlySet<EventType>;
  /** Some entry selects messages by role, which only the event itself tells. */
  byRole: boolean;
  matches(event: { type: EventType; payload: Record<string, unknown> }): boolean;
};

/** Builds the predicate for a `types` filter; no filter (or an empty list) selects every type. */
export function typePredicate(names: readonly string[] | undefined): TypePredicate | undefined {
  if (!names || names.length === 0) return undefined;
  const matchers: TypeMatcher[] = names.flatMap((name) =>
    ALIASES[name] ?? [{ type: name as EventType }],
  );
  const anyRole = new Set(matchers.filter((m) => m.role === undefined).map((m) => m.type));
  return {
    types: new Set(matchers.map((m) => m.type)),
    byRole: matchers.some((m) => m.role !== undefined && !anyRole.has(m.type)),
    matches(event) {
      if (anyRole.has(event.type)) return true;
      return matchers.some((m) => m.type === event.type && m.role === event.payload.role);
    },
  };
}

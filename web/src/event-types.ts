import type { EventType } from "../../src/contract/event.js";

/** The contract's event types (a type-checked copy: the page imports only types from src/contract). */
export const EVENT_TYPES = [
  "session_start",
  "message",
  "tool_call",
  "tool_result",
  "tool_error",
  "compaction",
  "spawn",
  "model_switch",
  "state_change",
  "custom",
  "error",
  "session_end",
] as const satisfies readonly EventType[];

// fails to compile when the contract gains a type this list lacks
const complete: Record<EventType, true> = Object.fromEntries(EVENT_TYPES.map((t) => [t, true])) as Record<(typeof EVENT_TYPES)[number], true>;
void complete;

export function parseTypes(value: string | null): EventType[] {
  return (value ?? "").split(",").filter((t): t is EventType => (EVENT_TYPES as readonly string[]).includes(t));
}

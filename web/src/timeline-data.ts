import type { SessionEvent } from "../../src/contract/event.js";
import { api } from "./api.js";

/** A timeline shows at most this many events (newer ones come in live on top of them). */
export const TIMELINE_CAP = 5_000;
const PAGE = 500;

export async function loadTimeline(key: string, types: readonly string[], signal?: AbortSignal): Promise<{ events: SessionEvent[]; capped: boolean }> {
  const events: SessionEvent[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await api.sessionEvents(key, { types, limit: PAGE, cursor }, signal);
    events.push(...page.events);
    if (!page.hasMore) return { events, capped: false };
    if (events.length >= TIMELINE_CAP) return { events, capped: true };
    cursor = page.nextCursor;
  }
}

/** Adds events not yet held (by id), keeping seq order. */
export function mergeEvents(held: readonly SessionEvent[], incoming: readonly SessionEvent[]): SessionEvent[] {
  const ids = new Set(held.map((e) => e.id));
  const fresh = incoming.filter((e) => !ids.has(e.id));
  if (fresh.length === 0) return held as SessionEvent[];
  return [...held, ...fresh].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

function modelName(value: unknown): string {
  if (typeof value !== "object" || value === null) return text(value) ?? "?";
  const { provider, model } = value as Record<string, unknown>;
  return [text(provider), text(model)].filter(Boolean).join("/") || "?";
}

/** Each tool call's result (tool_result or tool_error), by toolCallId. */
export function resultsByCall(events: readonly SessionEvent[]): Map<string, SessionEvent> {
  const results = new Map<string, SessionEvent>();
  for (const event of events) {
    const id = text(event.payload.toolCallId);
    if (id && (event.type === "tool_result" || event.type === "tool_error")) results.set(id, event);
  }
  return results;
}

/** One line saying what the event is. */
export function summary(event: SessionEvent): string {
  const p = event.payload;
  switch (event.type) {
    case "message":
      return `${text(p.role) ?? "?"}: ${text(p.text) ?? ""}`;
    case "tool_call":
      return `${text(p.toolName) ?? "tool"}(${JSON.stringify(p.args ?? {})})`;
    case "tool_result":
    case "tool_error":
      return `${text(p.toolName) ?? "tool"} → ${text(p.text) ?? ""}`;
    case "spawn":
      return `spawned ${text(p.childSessionKey) ?? "?"}${p.task ? `: ${text(p.task)}` : ""}`;
    case "model_switch":
      return `model → ${modelName(p.to)}${p.from ? ` (was ${modelName(p.from)})` : ""}`;
    case "error":
      return text(p.message) ?? "error";
    default: {
      const json = JSON.stringify(p);
      return json === "{}" ? "" : json;
    }
  }
}

export const isError = (event: SessionEvent) => event.type === "error" || event.type === "tool_error";

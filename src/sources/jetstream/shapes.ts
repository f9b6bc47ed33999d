import { EVENT_TYPES, VISIBILITIES, type EventType, type Visibility } from "../../contract/event.js";
import type { SourceEvent } from "../session.js";

type Json = Record<string, unknown>;
const OUR_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** A stream message read as an event, before its place (seq) in its session is known. */
export type StreamEvent = Omit<SourceEvent, "seq" | "id"> & { seq?: number; id?: string; gateway?: string };

/** The session a message belongs to, as the message says. */
export type MessageSession = { key: string; sessionId: string; agent: string; gateway?: string };

/**
 * Any of the five shapes (STORES.md §3 1-4 and ours, §3a) as a contract event (EVENTS.md, NATS);
 * undefined for a message that is none of them.
 */
export function eventFromMessage(data: unknown, streamName: string, streamSeq: number): StreamEvent | undefined {
  const m = obj(data);
  const type = str(m.type);
  const agent = str(m.agent) ?? str(obj(m.actor).agentId) ?? "unknown";
  const session = str(m.session) ?? str(obj(m.scope).sessionKey);
  const timestamp = num(m.timestamp) ?? num(m.ts);
  if (!type || !session || timestamp === undefined) return undefined;
  const meta = obj(m.meta);
  const ours = typeof m.eventType === "string" && OUR_TYPES.has(m.eventType);
  const mapped = ours ? { type: m.eventType as EventType, payload: obj(m.payload) } : foreignEvent(type, obj(m.payload), meta);
  if (!mapped) return undefined;
  const visibility = (VISIBILITIES as readonly string[]).includes(m.visibility as string) ? (m.visibility as Visibility) : undefined;
  const sessionId = str(m.sessionId) ?? str(obj(m.scope).sessionId) ?? str(obj(m.payload).sessionId) ?? session;
  const event: StreamEvent = {
    timestamp,
    agent,
    session: canonicalKey(session, agent),
    sessionId,
    type: mapped.type,
    payload: mapped.payload,
    // (the parsed message's own meta, which nothing else holds: added to, not copied)
    meta: Object.assign(meta, { source: "jetstream", stream: streamName, streamSeq }),
    ...(visibility ? { visibility } : {}),
  };
  if (ours) {
    event.seq = num(m.seq);
    event.id = str(m.id);
    if (typeof m.model === "string") event.model = m.model;
    if (typeof m.orderTs === "number") event.orderTs = m.orderTs;
    event.gateway = str(meta.gateway);
  }
  return event;
}

function canonicalKey(key: string, agent: string): string {
  return key.startsWith("agent:") ? key : `agent:${agent}:${key}`;
}

type Mapped = { type: EventType; payload: Json };

function foreignEvent(type: string, payload: Json, meta: Json): Mapped | undefined {
  const t = type.replace(/_/g, ".");
  // session-sync (shape 4): messages carry a text preview, tools their data under `data`
  const data = meta.source === "session-sync" && typeof payload.data === "object" ? obj(payload.data) : undefined;
  const toolCallId = str(payload.toolCallId) ?? str(data?.toolCallId) ?? str(payload.id);
  const toolName = str(payload.toolName) ?? str(payload.name) ?? str(data?.name);
  switch (t) {
    case "conversation.message.in":
    case "msg.in":
      return { type: "message", payload: { role: "user", text: messageText(payload) } };
    case "conversation.message.out":
    case "msg.out":
      return { type: "message", payload: { role: "assistant", text: messageText(payload) } };
    case "conversation.tool.call":
    case "tool.call":
      return { type: "tool_call", payload: { toolCallId: toolCallId ?? "", toolName: toolName ?? "", args: payload.args ?? payload.params ?? data?.args ?? {} } };
    case "conversation.tool.result":
    case "tool.result": {
      const result = payload.result ?? data?.result;
      const failed = payload.isError === true || data?.isError === true || (payload.error !== undefined && payload.error !== null && payload.error !== false);
      const text = typeof result === "string" ? result : result === undefined ? (str(payload.error) ?? "") : JSON.stringify(result);
      const out: Json = { toolCallId: toolCallId ?? "", toolName: toolName ?? "", text };
      if (num(payload.durationMs) !== undefined) out.durationMs = payload.durationMs;
      return { type: failed ? "tool_error" : "tool_result", payload: out };
    }
    case "lifecycle.start":
    case "lifecycle.session.start":
    case "run.start":
    case "session.start":
      return { type: "session_start", payload: {} };
    case "lifecycle.end":
    case "lifecycle.session.end":
    case "run.end":
    case "session.end": {
      const out: Json = {};
      if (payload.success === false) out.status = "failed";
      else if (payload.success === true) out.status = "done";
      if (num(payload.durationMs) !== undefined) out.runtimeMs = payload.durationMs;
      return { type: "session_end", payload: out };
    }
    case "lifecycle.error":
    case "run.error":
      return { type: "error", payload: { message: str(payload.error) ?? str(payload.message) ?? str(payload.text) ?? JSON.stringify(payload) } };
    case "lifecycle.compaction":
    case "session.compaction.end":
      return { type: "compaction", payload: {} };
    default:
      return { type: "custom", payload: { kind: type } };
  }
}

function messageText(payload: Json): string {
  const preview = payload.text_preview;
  if (Array.isArray(preview)) return preview.map((part) => str(obj(part).text) ?? "").join("");
  return str(payload.text) ?? str(payload.content) ?? (Array.isArray(payload.content) ? payload.content.map((p) => str(obj(p).text) ?? "").join("") : "");
}

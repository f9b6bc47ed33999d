import type { EventType } from "../../contract/event.js";
import type { SourceEvent } from "../session.js";

/** STORES.md §3 / §3a: where events and sessions live in NATS. */
export const DEFAULT_STREAM = "openclaw-events";
export const DEFAULT_PREFIX = "openclaw.events";
export const REGISTRY_BUCKET = "openclaw-sessions";
/** The bridge's checkpoints: one entry per gateway and transcript, and one watermark per gateway. */
export const CHECKPOINT_BUCKET = "openclaw-bridge-checkpoints";

/** The stream a KV bucket is kept in. */
export function kvStream(bucket: string): string {
  return `KV_${bucket}`;
}

/** Characters outside `[-_=A-Za-z0-9]` become `_` (a KV key token). */
export function kvSafe(text: string): string {
  return text.replace(/[^-_=A-Za-z0-9]/g, "_");
}

/** A subject token: the agent id with `.`, `*`, `>` and whitespace replaced by `_`. */
export function subjectToken(text: string): string {
  return text.replace(/[.*>\s]/g, "_") || "_";
}

export function registryKey(gateway: string, sessionId: string): string {
  return `${kvSafe(gateway)}.${kvSafe(sessionId)}`;
}

/** The seed's event type name for a contract event (§3a). */
export function clawTypeOf(event: Pick<SourceEvent, "type" | "payload">): string {
  switch (event.type) {
    case "message": {
      const role = event.payload.role;
      return role === "user" ? "conversation.message_in" : role === "assistant" ? "conversation.message_out" : "conversation.message";
    }
    case "tool_call":
      return "conversation.tool_call";
    case "tool_result":
    case "tool_error":
      return "conversation.tool_result";
    case "session_start":
    case "session_end":
      return `lifecycle.${event.type}`;
    case "compaction":
    case "error":
    case "spawn":
    case "model_switch":
    case "state_change":
      return `lifecycle.${event.type}`;
    default:
      return `conversation.${event.type satisfies EventType}`;
  }
}

export function eventSubject(prefix: string, agent: string, clawType: string): string {
  return `${prefix}.${subjectToken(agent)}.${clawType}`;
}

/** Whether a subject is one a consumer with this filter would be given (`*` one token, `>` the rest). */
export function subjectMatches(filter: string, subject: string): boolean {
  // (the common filter, `<prefix>.<agent>.>`)
  if (filter.endsWith(".>") && !filter.includes("*")) return subject.length > filter.length - 1 && subject.startsWith(filter.slice(0, -1));
  const wanted = filter.split(".");
  const tokens = subject.split(".");
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === ">") return tokens.length > i;
    if (i >= tokens.length || (wanted[i] !== "*" && wanted[i] !== tokens[i])) return false;
  }
  return tokens.length === wanted.length;
}

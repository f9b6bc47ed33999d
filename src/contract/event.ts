import { z } from "zod";

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
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

export const VISIBILITIES = ["public", "internal", "confidential"] as const;
export const VisibilitySchema = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof VisibilitySchema>;

export const SessionEventSchema = z.object({
  id: z.string().describe("Unique and stable across reads: same event, same id."),
  seq: z.number().int().describe("1-based position in its transcript's event stream."),
  timestamp: z.number().describe("Epoch milliseconds."),
  time: z.string().describe("The same instant as ISO-8601 (UTC), for reading."),
  agent: z.string().describe('Agent id, e.g. "main".'),
  session: z.string().describe('Session key, e.g. "agent:main:main".'),
  sessionId: z.string().describe("Transcript id; a key can have several over time."),
  type: EventTypeSchema,
  visibility: VisibilitySchema,
  payload: z.record(z.string(), z.unknown()).describe("Per type; see the tool description."),
  truncated: z.boolean().optional().describe("Some payload text was cut; cut places end in a marker."),
  redacted: z.boolean().optional().describe("Credential-like strings were replaced with [REDACTED:kind]."),
  meta: z
    .object({ source: z.string() })
    .catchall(z.unknown())
    .optional()
    .describe("Where the event came from (store kind and position)."),
});
export type SessionEvent = z.infer<typeof SessionEventSchema>;

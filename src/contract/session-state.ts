import { z } from "zod";
import { stringOrNumber } from "./lenient.js";
import { INPUT_LIMITS } from "./query-input.js";

/** How many context messages a state may carry. */
export const LAST_MESSAGES = { default: 10, max: 50 } as const;

export const SessionStateInputSchema = z
  .object({
    sessionKey: z
      .string()
      .min(1)
      .max(INPUT_LIMITS.maxPatternLength)
      .optional()
      .describe('A session key, a session id, or "current" (default: your own).'),
    atSeq: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("The state after the events with seq <= atSeq (0: before anything; past the end: now)."),
    at: stringOrNumber("at", INPUT_LIMITS.maxTimeLength)
      .optional()
      .describe('The state after every event at or before this time: ISO-8601 (UTC if no zone), epoch ms, or a duration ago ("15m").'),
    lastMessages: z
      .number()
      .int()
      .min(0)
      .max(LAST_MESSAGES.max)
      .optional()
      .describe(`How many of the last messages in context to return: default ${LAST_MESSAGES.default}, max ${LAST_MESSAGES.max}.`),
    generations: z
      .enum(["current", "all"])
      .optional()
      .describe('"all": replay the key\'s earlier transcripts first (seq then counts across them). Default "current".'),
  })
  .strict();
export type SessionStateInput = z.infer<typeof SessionStateInputSchema>;

const counts = (what: string) => z.record(z.string(), z.number().int()).describe(what);
const iso = z.string().describe("ISO-8601 (UTC).");

export const ContextMessageSchema = z.object({
  id: z.string().describe("The message event's id (as session_events shows it)."),
  seq: z.number().int().describe("The message event's seq in its transcript."),
  time: iso,
  role: z.string(),
  text: z.string(),
  thinking: z.string().optional().describe("Assistant thinking (internal clearance and up)."),
  model: z.string().optional(),
  provider: z.string().optional(),
  stopReason: z.string().optional(),
  entryId: z.string().optional().describe("The transcript entry the message is."),
  truncated: z.boolean().optional().describe("Some text was cut; cut places end in a marker."),
  redacted: z.boolean().optional().describe("Credential-like strings were replaced with [REDACTED:kind]."),
});
export type ContextMessage = z.infer<typeof ContextMessageSchema>;

export const SpawnedChildSchema = z.object({
  childSessionKey: z.string(),
  task: z.string().optional(),
  label: z.string().optional(),
  agentId: z.string().optional(),
  runId: z.string().optional(),
  seq: z.number().int().describe("Where the spawn happened."),
  time: iso,
  status: z
    .string()
    .describe('The child\'s status at the point, from the registry ("running", "done", "failed", ...); "unknown" when the child is not a session you can see, or has no status.'),
  endedAt: z.string().optional().describe("When the child ended, if it had by the point (only for children you can see)."),
});
export type SpawnedChild = z.infer<typeof SpawnedChildSchema>;

export const SessionStateSchema = z.object({
  session: z.string().describe("The session key."),
  sessionId: z.string().describe("The transcript the state is in (of the last event projected)."),
  agent: z.string(),
  point: z
    .object({
      atSeq: z.number().int().nullable(),
      at: z.string().nullable().describe("The resolved instant, ISO-8601."),
    })
    .describe("The point asked for; both null means now (every event)."),
  seq: z
    .number()
    .int()
    .describe("The seq of the last event projected, 0 for none (with generations all: its place among all the key's events). The state is the one right after it."),
  timestamp: z.number().nullable().describe("Epoch ms of the last event projected."),
  time: z.string().nullable().describe("timestamp as ISO-8601."),
  atEnd: z.boolean().describe("No event after the point exists now: this is the latest state."),
  eventsProjected: z.number().int().describe("Events up to the point that the state was built from."),
  hiddenByVisibility: z.number().int().describe("Events up to the point left out because they are above your clearance; nothing in the state comes from them."),
  model: z
    .object({ provider: z.string().nullable(), model: z.string() })
    .nullable()
    .describe("The model in effect."),
  thinkingLevel: z.string().nullable(),
  name: z.string().nullable().describe("The session's name (session_info)."),
  label: z.string().nullable().describe("The value of the last label change (null: none, or cleared)."),
  labels: z
    .array(z.object({ targetId: z.string().nullable(), label: z.string() }))
    .describe("Labels on transcript entries in effect (most recent last, at most 20)."),
  ended: z
    .object({ status: z.string(), runtimeMs: z.number().optional() })
    .nullable()
    .describe("The session's end, when it had ended by the point."),
  totals: z.object({
    messages: counts("Messages by role."),
    toolCalls: counts("Tool calls by tool."),
    toolErrors: counts("Tool errors by tool."),
    errors: z.number().int().describe("Assistant replies that stopped with an error."),
    tokens: z.object({ input: z.number(), output: z.number(), total: z.number() }).describe("Summed usage of the assistant messages."),
    costUsd: z.number().describe("Summed cost of the assistant messages."),
  }),
  compactions: z.object({
    count: z.number().int(),
    last: z
      .object({
        seq: z.number().int(),
        time: iso,
        tokensBefore: z.number().nullable(),
        firstKeptEntryId: z.string().nullable(),
        summary: z.string().nullable().describe("The summary that replaced the older messages (cut like other text)."),
        truncated: z.boolean().optional(),
        redacted: z.boolean().optional(),
      })
      .nullable(),
  }),
  lastError: z.object({ seq: z.number().int(), time: iso, message: z.string() }).nullable(),
  spawned: z.object({
    count: z.number().int().describe("Sub-agents spawned up to the point."),
    children: z.array(SpawnedChildSchema).describe("The most recent ones, oldest first (at most 20)."),
  }),
  messagesInContext: z.number().int().describe("Messages in the model's context at the point (those a compaction cut off are not)."),
  lastMessages: z.array(ContextMessageSchema).describe("The last of them, oldest first."),
  skippedLines: z.number().int().describe("Transcript lines read that were unreadable or of unknown kind."),
  notes: z.array(z.string()).describe("Anything else the caller should know about this state."),
});
export type SessionState = z.infer<typeof SessionStateSchema>;

import { z } from "zod";
import { SessionsEventsInputSchema } from "./query-input.js";

/** Every HTTP error answer: a stable code and the message a tool would give. */
export const HttpErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('A stable code, e.g. "bad_request", "not_found", "unauthorized", "rate_limited".'),
      message: z.string().describe("What was wrong and what is accepted."),
    }),
  })
  .meta({ id: "Error" });

/** GET /api/sessions: which sessions of the registry the principal may see to list. */
export const SessionsListInputSchema = SessionsEventsInputSchema.pick({
  sessionKey: true,
  agentId: true,
  spawnedBy: true,
  generations: true,
}).strict();
export type SessionsListInput = z.infer<typeof SessionsListInputSchema>;

/** GET /api/events/stream: sessions_events' arguments but those that shape a page (a stream has none). */
export const StreamInputSchema = SessionsEventsInputSchema.omit({ limit: true, order: true, groupBy: true, waitMs: true });

/** One registry entry as it may be shown to a caller (never where its files are). */
export const SessionRowSchema = z
  .object({
    key: z.string(),
    agent: z.string(),
    sessionId: z.string(),
    source: z.string(),
    generation: z.string(),
    updatedAt: z.number().nullable().describe("Last update, epoch ms."),
    spawnedBy: z.string().nullable(),
    status: z.string().nullable(),
    label: z.string().nullable(),
    displayName: z.string().nullable(),
    aliases: z.array(z.string()).optional().describe("The other registry keys naming this transcript (it is listed once, under key)."),
  })
  .meta({ id: "SessionRow" });
export type SessionRow = z.infer<typeof SessionRowSchema>;

export const SessionListSchema = z.array(SessionRowSchema).describe("The sessions, newest first.");

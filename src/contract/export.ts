import { z } from "zod";
import { SessionsEventsInputSchema } from "./query-input.js";

export const ExportFormatSchema = z
  .enum(["openai", "sharegpt", "alpaca"])
  .describe("openai: chat fine-tuning JSON Lines; sharegpt and alpaca: one JSON array (LLaMA-Factory's). Example: \"openai\"");

/** GET /api/export: the export command's formats and filters (its --quality file and --stats file excepted). */
export const ExportInputSchema = SessionsEventsInputSchema.pick({
  sessionKey: true,
  agentId: true,
  spawnedBy: true,
  descendants: true,
  types: true,
  since: true,
  until: true,
  generations: true,
})
  .extend({
    format: ExportFormatSchema,
    session: z.string().min(1).max(512).optional().describe('One session (a key or a session id) instead of patterns. Example: "agent:main:main"'),
    maxTurns: z.number().int().min(1).max(10_000).default(20).describe("Split conversations longer than this many turns. Example: 20"),
    minScore: z.number().min(0).max(1).optional().describe("Keep conversations scoring at least this (default 0.5). Example: 0.6"),
    system: z.string().max(4_000).optional().describe("A system prompt to put first in every conversation."),
  })
  .strict();
export type ExportInput = z.infer<typeof ExportInputSchema>;

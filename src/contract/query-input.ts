import { z } from "zod";
import { GroupBySchema } from "./groups.js";
import { TypeFilterNameSchema } from "./type-filter.js";

/** Hard caps on what one call may ask for; the schema rejects anything larger with a clear message. */
export const INPUT_LIMITS = {
  maxPatterns: 20,
  maxPatternLength: 256,
  maxTypes: 32,
  maxTimeLength: 64,
  maxCursorLength: 2048,
  maxFieldChars: 100_000,
} as const;

const timeBound = (what: string, example: string) =>
  z
    .union([z.string().max(INPUT_LIMITS.maxTimeLength), z.number()])
    .optional()
    .describe(
      `${what}. ISO-8601 ("2026-02-15T10:00:00Z"; no zone means UTC), epoch milliseconds, ` +
        `or a duration before now ("30s", "15m", "1h", "7d", "2 days"). Example: ${example}`,
    );

/** A search query (EVENTS.md "Text search"); parsed, with its errors, by the engine. */
export const searchTextSchema = (what: string) =>
  z
    .string()
    .min(1)
    .max(500)
    .describe(
      `${what}: words (all must occur, any order), "a phrase" in quotes, prefix* for words that begin so; ` +
        'case and accents do not count. Example: \'budget review\', \'"deploy failed" stag*\'',
    );

/** Filters and paging shared by both tools (and the CLI's `query`). */
export const commonQueryFields = {
  text: searchTextSchema("Only events whose text matches").optional(),
  types: z
    .array(TypeFilterNameSchema)
    .max(INPUT_LIMITS.maxTypes)
    .optional()
    .describe(
      "Only these event types (any of them). Omit for all. Also accepts the aliases " +
        "conversation.message_in / message_out (messages by role), conversation.tool_call, " +
        "conversation.tool_result (tool_result + tool_error), lifecycle.session_start, " +
        'lifecycle.session_end, lifecycle.compaction, lifecycle.error (error + tool_error), complete. Example: ["tool_call","tool_error"]',
    ),
  since: timeBound("Only events at or after this time (inclusive)", '"1h"'),
  until: timeBound("Only events before this time (exclusive)", '"2026-02-15T12:00:00Z"'),
  limit: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Events per page: default 50, at most 500 (larger values are clamped and the page says so). Example: 20"),
  order: z
    .enum(["asc", "desc"])
    .optional()
    .describe('"asc" (default, oldest first) or "desc" (newest first). Example: "desc"'),
  groupBy: GroupBySchema.optional(),
  fields: z
    .array(z.string().min(1).max(64))
    .max(32)
    .optional()
    .describe('Keep only these payload fields (the event\'s other fields stay). Example: ["toolName","durationMs"]'),
  maxFieldChars: z
    .number()
    .int()
    .min(16)
    .max(INPUT_LIMITS.maxFieldChars)
    .optional()
    .describe("Cut text fields longer than this many characters (default 2000); the page's byte budget still applies. Example: 200"),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(25_000)
    .optional()
    .describe(
      "Follow: when there is nothing after cursor yet, wait up to this long (max 25000) for new events and return as soon as one arrives; an empty page with a cursor to continue otherwise. Example: 20000",
    ),
  generations: z
    .enum(["current", "all"])
    .optional()
    .describe(
      'Which transcripts of a key: "current" (default) or "all", adding earlier generations the store keeps (a reset or rollover starts a new one; tell them apart by sessionId). Example: "all"',
    ),
  cursor: z
    .string()
    .max(INPUT_LIMITS.maxCursorLength)
    .optional()
    .describe(
      "nextCursor from the previous page of this same query (same arguments otherwise). " +
        "The last page has one too: call again later with it to get what was appended since.",
    ),
};

const pattern = z.string().min(1).max(INPUT_LIMITS.maxPatternLength);

export const SessionEventsInputSchema = z
  .object({
    sessionKey: pattern
      .optional()
      .describe(
        'One session: its key ("agent:main:main"), its session id (uuid), or "current" (default) for your own session. Example: "agent:main:subagent:7f3c…"',
      ),
    eventId: z
      .string()
      .min(3)
      .max(300)
      .optional()
      .describe(
        "Fetch this one event (an `id` from a page) with its whole payload, text uncut; a payload larger than a page comes as JSON text in parts (see offset). Other filters are ignored. Example: \"3f1e…:17\"",
      ),
    offset: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("With eventId: the character offset of the payload's JSON text to continue from (nextOffset of the previous part). Example: 40000"),
    ...commonQueryFields,
  })
  .strict();
export type SessionEventsInput = z.infer<typeof SessionEventsInputSchema>;

export const SessionsEventsInputSchema = z
  .object({
    sessionKey: z
      .union([pattern, z.array(pattern).min(1).max(INPUT_LIMITS.maxPatterns)])
      .optional()
      .describe(
        'Session key pattern, or a list of patterns (union). "*" matches any run of characters (":" included), ' +
          'everything else is literal, case-insensitive; "current" is your own session. Default "*". Example: "agent:main:subagent:*"',
      ),
    agentId: pattern
      .optional()
      .describe('Only sessions of this agent id (a pattern like sessionKey). Example: "main"'),
    spawnedBy: pattern
      .optional()
      .describe(
        'Only sessions spawned by this session key (or "current" for your own): its direct children, or its whole subtree with descendants: true. Example: "current"',
      ),
    descendants: z
      .boolean()
      .optional()
      .describe("With spawnedBy: include children of children, transitively. Example: true"),
    ...commonQueryFields,
  })
  .strict();
export type SessionsEventsInput = z.infer<typeof SessionsEventsInputSchema>;

import { z } from "zod";
import { GroupBySchema } from "./groups.js";
import { oneOrList, stringOrNumber } from "./lenient.js";
import { TypeFilterNameSchema } from "./type-filter.js";

/** Hard caps on what one call may ask for; the schema rejects anything larger with a clear message. */
export const INPUT_LIMITS = {
  maxPatterns: 20,
  maxPatternLength: 256,
  maxTypes: 32,
  maxTimeLength: 64,
  maxCursorLength: 4096,
  maxFieldChars: 100_000,
} as const;

const timeBound = (field: string, what: string) => stringOrNumber(field, INPUT_LIMITS.maxTimeLength).optional().describe(what);

/** A search query (EVENTS.md "Text search"); parsed, with its errors, by the engine. */
export const searchTextSchema = (what: string) =>
  z
    .string()
    .min(1)
    .max(500)
    .describe(`${what}: words (all must occur, any order), "a phrase", prefix*; case and accents do not count. Example: 'deploy* "permission denied"'`);

/** Filters and paging shared by both tools (and the CLI's `query`). */
export const commonQueryFields = {
  text: z.string().min(1).max(500).optional().describe("Only events whose text matches (syntax as sessions_search's query)."),
  types: oneOrList("types", TypeFilterNameSchema, "an event type or alias", { max: INPUT_LIMITS.maxTypes })
    .optional()
    .describe('Only these types or aliases (any). Example: ["tool_call","tool_error"]'),
  since: timeBound("since", 'Only events at or after: ISO-8601 (UTC if no zone), epoch ms, or a duration ago ("15m", "7d").'),
  until: timeBound("until", "Only events before (exclusive); forms as since."),
  limit: z.number().int().min(1).optional().describe("Events per page: default 50, max 500."),
  order: z.enum(["asc", "desc"]).optional().describe('"asc" (default, oldest first) or "desc".'),
  groupBy: GroupBySchema.optional(),
  fields: oneOrList("fields", z.string().min(1).max(64), "a payload field name", { max: 32 })
    .optional()
    .describe('Keep only these payload fields. Example: ["toolName"]'),
  maxFieldChars: z
    .number()
    .int()
    .min(16)
    .max(INPUT_LIMITS.maxFieldChars)
    .optional()
    .describe("Cut text fields longer than this (default 2000)."),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(25_000)
    .optional()
    .describe("With cursor: wait up to this long for new events when there are none yet."),
  generations: z
    .enum(["current", "all"])
    .optional()
    .describe('"all": also the key\'s earlier transcripts (tell them apart by sessionId). Default "current".'),
  cursor: z
    .string()
    .max(INPUT_LIMITS.maxCursorLength)
    .optional()
    .describe("nextCursor of the previous page: alone it resumes that query; other arguments given must match it (see Paging)."),
};

const pattern = z.string().min(1).max(INPUT_LIMITS.maxPatternLength);

/** One session-key pattern, or a list of them (any may match). */
export const patternList = (what: string) =>
  oneOrList("sessionKey", pattern, "a key pattern", { min: 1, max: INPUT_LIMITS.maxPatterns }).optional().describe(what);

export const SessionEventsInputSchema = z
  .object({
    sessionKey: pattern
      .optional()
      .describe('A session key, a session id, or "current" (default: your own).'),
    eventId: z
      .string()
      .min(3)
      .max(300)
      .optional()
      .describe("Fetch this one event (an id from a page) whole, text uncut; other filters are ignored. A payload larger than a page comes as JSON text in parts."),
    offset: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("With eventId: the nextOffset of the previous part."),
    ...commonQueryFields,
  })
  .strict();
export type SessionEventsInput = z.infer<typeof SessionEventsInputSchema>;

export const SessionsEventsInputSchema = z
  .object({
    sessionKey: patternList(
      'Key patterns (any may match): "*" is any run of characters, the rest literal, case-insensitive; "current" is your own session. Default "*".',
    ),
    agentId: pattern.optional().describe('Only sessions of this agent id (a pattern), e.g. "main".'),
    spawnedBy: pattern
      .optional()
      .describe('Only sessions spawned by this key ("current": your own).'),
    descendants: z.boolean().optional().describe("With spawnedBy: the whole subtree, not only children."),
    ...commonQueryFields,
  })
  .strict();
/** The engine also takes one pattern alone (callers in code need not wrap it). */
export type SessionsEventsInput = Omit<z.infer<typeof SessionsEventsInputSchema>, "sessionKey"> & { sessionKey?: string | string[] };

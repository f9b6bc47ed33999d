import { z } from "zod";
import { EventTypeSchema } from "./event.js";
import { commonQueryFields, INPUT_LIMITS, searchTextSchema } from "./query-input.js";

export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 100;
export const MAX_SNIPPETS = 3;

const pattern = z.string().min(1).max(INPUT_LIMITS.maxPatternLength);

export const SessionsSearchInputSchema = z
  .object({
    query: searchTextSchema("What to find"),
    sessionKey: z
      .union([pattern, z.array(pattern).min(1).max(INPUT_LIMITS.maxPatterns)])
      .optional()
      .describe('Only sessions whose key matches this pattern or list ("*" any run of characters). Default "*". Example: "agent:main:*"'),
    agentId: pattern.optional().describe('Only sessions of this agent id (a pattern). Example: "main"'),
    types: commonQueryFields.types,
    since: commonQueryFields.since,
    until: commonQueryFields.until,
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(`Sessions to return: default ${SEARCH_DEFAULT_LIMIT}, at most ${SEARCH_MAX_LIMIT}. Example: 5`),
  })
  .strict();
export type SessionsSearchInput = z.infer<typeof SessionsSearchInputSchema>;

export const SearchResultSchema = z.object({
  sessions: z
    .array(
      z.object({
        key: z.string().describe("Session key."),
        agent: z.string(),
        sessionId: z.string(),
        title: z.string().nullable().describe("The first user message (cut), or the ClawJS title."),
        updatedAt: z.string().nullable().describe("When the registry last saw the session updated (ISO-8601)."),
        hits: z.number().int().describe("Matching events in this session."),
        snippets: z
          .array(
            z.object({
              eventId: z.string().describe("Fetch the whole event with session_events {eventId}."),
              seq: z.number().int(),
              type: EventTypeSchema,
              text: z.string().describe("The matching text around the hit, matching words marked «like this»."),
            }),
          )
          .describe(`Up to ${MAX_SNIPPETS} of the session's first matching events.`),
      }),
    )
    .describe("Matching sessions, most hits first (ties: most recently updated)."),
  sessionsMatched: z.number().int().describe("Sessions visible to you that the selection matched (searched, unless notes say otherwise)."),
  sessionsWithHits: z.number().int().describe("Of those, the sessions with at least one hit (sessions beyond limit are left out)."),
  notes: z.array(z.string()),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

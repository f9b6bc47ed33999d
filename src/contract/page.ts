import { z } from "zod";
import { SessionEventSchema } from "./event.js";
import { GroupSchema } from "./groups.js";

export const STOP_REASONS = ["end", "limit", "byteBudget", "scanBudget", "storeChanged"] as const;

export const PageSchema = z.object({
  events: z.array(SessionEventSchema).describe("The events of this page (empty when groupBy is given)."),
  groups: z
    .array(GroupSchema)
    .optional()
    .describe("With groupBy: the groups, largest first (at most `limit`); events is then empty and nothing is paged."),
  nextCursor: z
    .string()
    .describe("Always present: pass it back (alone is enough) for the next page, or later for newly appended events."),
  hasMore: z.boolean().describe("More matching events exist right now after this page."),
  order: z.enum(["asc", "desc"]),
  limit: z.number().int().describe("The limit applied to this page."),
  limitClamped: z.boolean().optional().describe("The requested limit was above the maximum and was lowered."),
  window: z
    .object({
      since: z.string().nullable().describe("Resolved lower bound (inclusive), ISO-8601, or null."),
      until: z.string().nullable().describe("Resolved upper bound (exclusive), ISO-8601, or null."),
    })
    .describe("The absolute time window this query covers; a cursor keeps it fixed across pages."),
  sessionsMatched: z.number().int().describe("Sessions visible to you that the selection matched."),
  stoppedBy: z
    .enum(STOP_REASONS)
    .describe('Why the page ended: "end" (nothing more now), "limit", "byteBudget" (page size cap), "scanBudget" (work cap; continue with nextCursor), "storeChanged" (sessions were being created while it was read; continue with nextCursor).'),
  hiddenByVisibility: z
    .number()
    .int()
    .describe("Matching events in this page's range left out because they are above your clearance."),
  truncatedEvents: z.number().int().describe("Events in this page whose long fields were cut."),
  redactedEvents: z.number().int().describe("Events in this page with credential-like strings redacted."),
  skippedLines: z
    .number()
    .int()
    .describe("Transcript lines in this page's range that were unreadable, of unknown kind, or still being written."),
  notes: z.array(z.string()).describe("Anything else the caller should know about this page."),
});
export type Page = z.infer<typeof PageSchema>;

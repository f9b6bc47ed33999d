import { z } from "zod";
import { oneOrList } from "./lenient.js";

export const GROUP_KEYS = ["type", "tool", "session", "agent", "model", "hour", "day"] as const;
export const GroupKeySchema = z.enum(GROUP_KEYS);
export type GroupKey = z.infer<typeof GroupKeySchema>;

export const GroupBySchema = oneOrList("groupBy", GroupKeySchema, "a group key", { min: 1, max: 2 }).describe(
  'Count instead of list, by one or two keys (hour, day: UTC). Example: ["tool"]',
);

export const GroupSchema = z.object({
  key: z.record(z.string(), z.string().nullable()).describe('The group: e.g. {"tool": "exec"} (null: the event has none).'),
  count: z.number().int(),
  firstTimestamp: z.number(),
  lastTimestamp: z.number(),
  first: z.string().describe("firstTimestamp as ISO-8601."),
  last: z.string().describe("lastTimestamp as ISO-8601."),
  errors: z.number().int().describe("error and tool_error events in the group."),
  tokens: z
    .object({ input: z.number(), output: z.number(), total: z.number() })
    .optional()
    .describe("Summed usage of the assistant messages in the group."),
  costUsd: z.number().optional().describe("Summed cost of the assistant messages in the group."),
  durationMs: z
    .object({ p50: z.number(), p95: z.number(), samples: z.number().int() })
    .optional()
    .describe("Tool durations (tool_result, tool_error) in the group, from log buckets (within about 2%)."),
});
export type Group = z.infer<typeof GroupSchema>;

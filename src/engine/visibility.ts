import { z } from "zod";
import type { EventType, Visibility } from "../contract/event.js";
import type { SourceEvent } from "../sources/session.js";
import { matchesPattern } from "./patterns.js";
import { higherVisibility } from "./principal.js";

/** The class of each event type unless a source or a rule says otherwise (EVENTS.md). */
export const DEFAULT_VISIBILITY: Record<EventType, Visibility> = {
  session_start: "public",
  session_end: "public",
  message: "public",
  compaction: "public",
  model_switch: "public",
  spawn: "public",
  error: "public",
  tool_call: "internal",
  tool_result: "internal",
  tool_error: "internal",
  state_change: "internal",
  custom: "internal",
};

/** Payload fields that are internal even inside a public event. */
export const INTERNAL_PAYLOAD_FIELDS: Partial<Record<EventType, readonly string[]>> = {
  message: ["thinking"],
};

export const ConfidentialRuleSchema = z
  .object({
    type: z.string().min(1).optional().describe('Event type pattern, e.g. "tool_*".'),
    tool: z.string().min(1).optional().describe('Tool name pattern, e.g. "vault_*".'),
    session: z.string().min(1).optional().describe('Session key pattern, e.g. "agent:finance:*".'),
  })
  .strict()
  .refine((rule) => rule.type || rule.tool || rule.session, {
    message: "a confidential rule needs at least one of type, tool, session",
  });
export type ConfidentialRule = z.infer<typeof ConfidentialRuleSchema>;

/** The tool an event is about, for tool-name rules. */
function toolNameOf(event: SourceEvent): string | undefined {
  if (event.type === "spawn") return "sessions_spawn";
  const name = event.payload.toolName;
  return typeof name === "string" ? name : undefined;
}

function ruleMatches(rule: ConfidentialRule, event: SourceEvent): boolean {
  if (rule.type && !matchesPattern(rule.type, event.type)) return false;
  if (rule.session && !matchesPattern(rule.session, event.session)) return false;
  if (rule.tool) {
    const tool = toolNameOf(event);
    if (tool === undefined || !matchesPattern(rule.tool, tool)) return false;
  }
  return true;
}

/** An event's class: the source's own (it wins) or the type's default, raised to confidential by any matching rule. */
export function classify(event: SourceEvent, rules: readonly ConfidentialRule[]): Visibility {
  const base = event.visibility ?? DEFAULT_VISIBILITY[event.type];
  return rules.some((rule) => ruleMatches(rule, event)) ? higherVisibility(base, "confidential") : base;
}

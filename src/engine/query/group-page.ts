import type { Page } from "../../contract/page.js";
import type { SessionEventsInput } from "../../contract/query-input.js";
import { typePredicate } from "../../contract/type-filter.js";
import { newReadStats, type SessionInfo } from "../../sources/session.js";
import { aggregateEvents } from "../aggregate.js";
import type { TimeWindow } from "../time.js";
import type { TextPredicate } from "../search/matcher.js";
import { addWork, MAX_LIMIT, type Envelope, type QueryContext } from "./context.js";

/** A page of groups (groupBy): counts over the whole window, largest groups first, nothing paged. */
export async function groupPage(
  ctx: QueryContext,
  sessions: readonly SessionInfo[],
  input: Pick<SessionEventsInput, "types" | "groupBy">,
  text: TextPredicate | undefined,
  window: TimeWindow,
  envelope: Envelope,
): Promise<Page> {
  const stats = newReadStats();
  const result = await aggregateEvents({
    sessions,
    window,
    types: typePredicate(input.types),
    text,
    groupBy: input.groupBy!,
    clearance: ctx.principal.clearance,
    rules: ctx.policy.rules,
    stats,
    now: ctx.now(),
    maxGroups: envelope.limit,
  });
  addWork(ctx, stats);
  const cut = result.totalGroups > result.groups.length;
  if (cut) envelope.notes.push(`${result.totalGroups} groups; the ${result.groups.length} largest are shown (raise limit, up to ${MAX_LIMIT}).`);
  return {
    events: [],
    groups: result.groups,
    nextCursor: "",
    hasMore: false,
    ...envelope,
    stoppedBy: cut ? "limit" : "end",
    hiddenByVisibility: result.hidden,
    truncatedEvents: 0,
    redactedEvents: 0,
    skippedLines: result.skippedLines,
  };
}

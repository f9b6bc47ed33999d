import type { TypePredicate } from "../../contract/type-filter.js";
import type { ReadStats, SessionInfo, SourceEvent } from "../../sources/session.js";
import { clearanceAllows } from "../principal.js";
import type { QueryContext } from "../query/context.js";
import type { TimeWindow } from "../time.js";
import { classify } from "../visibility.js";
import type { TextPredicate } from "./matcher.js";
import type { TextQuery } from "./query.js";
import { searchableFields } from "./searchable.js";
import { snippetOf } from "./snippet.js";
import type { Found } from "./found-session.js";

/** What searching one session takes, by scanning or from the index. */
export type SessionSearch = {
  ctx: QueryContext;
  query: TextQuery;
  text: TextPredicate;
  window: TimeWindow;
  types: TypePredicate | undefined;
  stats: ReadStats;
};

/** Whether the caller may see an event, by its class. */
export function visibleTo(s: SessionSearch, event: SourceEvent): boolean {
  return clearanceAllows(s.ctx.principal.clearance, classify(event, s.ctx.policy.rules));
}

/** An event's snippet for this search, or undefined when no field holds a term. */
export function snippetFor(
  s: SessionSearch,
  event: SourceEvent,
  fields: readonly string[] = searchableFields(event, s.ctx.principal.clearance, s.ctx.policy.redactor),
): Found["snippets"][number] | undefined {
  const text = snippetOf(fields, s.query.terms);
  return text === undefined ? undefined : { eventId: event.id, seq: event.seq, type: event.type, text };
}

/** Whether a session's activity ends before the window starts (it cannot have an event in it). */
export function endsBeforeWindow(s: SessionSearch, session: SessionInfo): boolean {
  const { since } = s.window;
  return since !== undefined && since <= s.ctx.now() && (session.activity() ?? Infinity) < since;
}

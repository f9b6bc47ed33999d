import type { SessionInfo } from "../../sources/session.js";
import { clearanceAllows, type Principal } from "../principal.js";
import type { TimeWindow } from "../time.js";
import type { TextIndex } from "./text-index.js";
import type { Redactor } from "../redact.js";
import { textPredicate, type TextPredicate } from "./matcher.js";
import { parseTextQuery } from "./query.js";

/** The `text` filter of a query for this caller, or undefined without one. Always matched on redacted text. */
export function textFilterFor(
  ctx: { principal: Pick<Principal, "clearance">; policy: { redactor: Redactor } },
  text: string | undefined,
): TextPredicate | undefined {
  if (text === undefined) return undefined;
  return textPredicate(parseTextQuery(text), ctx.principal.clearance, ctx.policy.redactor);
}

/**
 * The sessions a `text` filter may find anything in: all but those the full-text index is current for
 * and holds no match of in the window (whoever asks: a superset of what the caller may see), which a
 * page then need not read at all.
 */
export function sessionsWithPossibleHits(
  ctx: { textIndex?: TextIndex; principal: Pick<Principal, "clearance"> },
  sessions: readonly SessionInfo[],
  text: TextPredicate | undefined,
  window: TimeWindow,
): readonly SessionInfo[] {
  if (!text || !ctx.textIndex || sessions.length === 0) return sessions;
  const indexed = ctx.textIndex.search(text.query, sessions, { thinking: clearanceAllows(ctx.principal.clearance, "internal"), window, classes: false });
  if (!indexed) return sessions;
  const unindexed = new Set(indexed.unindexed);
  return sessions.filter((session) => unindexed.has(session) || indexed.groups.has(session));
}

import type { Principal } from "../principal.js";
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

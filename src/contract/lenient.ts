import { z } from "zod";

const kindOf = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`);

/**
 * A list that also takes one item alone: `"tool_error"` is read as `["tool_error"]` (models send both).
 * The advertised JSON Schema stays the plain array; a value that is neither gets one sentence naming
 * the field, what came and what is accepted.
 */
export function oneOrList<T extends z.ZodType>(field: string, item: T, accepted: string, bounds: { min?: number; max: number }) {
  let list = z
    .array(item, { error: (issue) => (issue.code === "invalid_type" ? `${field} must be ${accepted} or a list of them, not ${kindOf(issue.input)}` : undefined) })
    .max(bounds.max, { error: `${field} takes at most ${bounds.max} entries` });
  if (bounds.min !== undefined) list = list.min(bounds.min, { error: `${field} needs at least ${bounds.min} entry (or leave it out)` });
  return z.preprocess((value) => (typeof value === "string" ? [value] : value), list);
}

/** A time bound: a string or a number, with one sentence when it is neither. */
export function stringOrNumber(field: string, maxLength: number) {
  return z.union([z.string().max(maxLength, { error: `${field} is longer than ${maxLength} characters` }), z.number()], {
    error: (issue) => `${field} must be a time (ISO-8601 text, a duration like "1h", or epoch milliseconds), not ${kindOf(issue.input)}`,
  });
}

import { INPUT_LIMITS } from "./query-input.js";

/**
 * How a source marks a string it cut while reading (a multi-MB tool output in a huge line is never
 * held whole for a page): the kept start, then this mark with how many characters followed. The kept
 * start is always longer than any page shows, so the mark itself never reaches a page; shaping reads
 * it back to report the true length. Fetching one event by id reads its line whole, without marks.
 */
const MARK_START = "\u0000[cut on read: ";

/** Extra characters shaping redacts beyond a field's cut, so a secret straddling the cut is caught whole. */
export const REDACT_MARGIN = 4096;

/**
 * A cut string keeps more characters than this (the most a page shows of a field, plus the margin
 * shaping redacts past its cut), so shorter strings need no look for a mark.
 */
export const CUT_KEEPS_MORE_THAN_CHARS = INPUT_LIMITS.maxFieldChars + REDACT_MARGIN;
const MARK = /\u0000\[cut on read: (\d+) more chars\]/g;

/** The mark as it is written inside a JSON string literal (its NUL escaped). */
export function cutMarkJson(moreChars: number): string {
  return `\\u0000[cut on read: ${moreChars} more chars]`;
}

/**
 * An array or object cut while reading keeps its first items (more than a page shows of one) and ends
 * with one more: this mark (an object: a key) with how many items followed.
 */
export function cutItemsMarkJson(moreItems: number): string {
  return `\\u0000[cut on read: ${moreItems} more items]`;
}
const ITEMS_MARK = /^\u0000\[cut on read: (\d+) more items\]$/;

/** How many items an array or object lost when it was cut on read (its last item, or key, is the mark), else 0. */
export function itemsCutOnRead(value: readonly unknown[] | Record<string, unknown>, names?: readonly string[]): number {
  const last = Array.isArray(value) ? value[value.length - 1] : names?.[names.length - 1];
  const mark = typeof last === "string" && last.length < 64 ? ITEMS_MARK.exec(last) : null;
  return mark ? Number(mark[1]) : 0;
}

/** The length a string had before it was cut on read (its own length when it carries no mark). */
export function lengthBeforeCut(text: string): number {
  if (text.length <= CUT_KEEPS_MORE_THAN_CHARS || !text.includes(MARK_START)) return text.length;
  let length = text.length;
  for (const match of text.matchAll(MARK)) length += Number(match[1]) - match[0].length;
  return length;
}

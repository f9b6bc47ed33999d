import { foldedTokens } from "../engine/search/words.js";

/**
 * Between two fields of a document: a token no query word can be or begin (a private-use character,
 * never a letter or a digit), so a phrase never spans two fields, as in a scan.
 */
const FIELD_BREAK = " \uE000 ";

/**
 * A column of an indexed event: its fields as the index's tokenizer ("ascii": every ASCII character
 * but letters and digits splits, ASCII letters are lower-cased, every other character is part of a
 * token) finds in them exactly their words (EVENTS.md: runs of letters and digits, folded), so
 * matching is the scan's word for word. ASCII text is left to the tokenizer; only tokens with other
 * characters are folded here.
 */
export function documentText(fields: readonly string[]): string {
  return fields.map(foldedTokens).join(FIELD_BREAK);
}

/** Whether a document holds a word (not only separators and field breaks). */
export function hasWords(document: string): boolean {
  return /[A-Za-z0-9\u0080-\uDFFF\uE001-\uFFFF]/.test(document);
}

import { wordText } from "../engine/search/words.js";

/**
 * Between two fields of a document: a token no query word can be or begin (a private-use character,
 * never a letter or a digit), so a phrase never spans two fields, as in a scan.
 */
const FIELD_BREAK = " \uE000 ";

/**
 * A column of an indexed event: each field's words (EVENTS.md: runs of letters and digits, folded),
 * space-separated. The index's tokenizer ("ascii": spaces split, every other character is part of a
 * token) then finds exactly these words, so matching is the scan's word for word.
 */
export function documentText(fields: readonly string[]): string {
  return fields.map(wordText).join(FIELD_BREAK);
}

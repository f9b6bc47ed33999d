/**
 * The word rules of text search (EVENTS.md "Text search"): a word is a run of Unicode letters and
 * digits; case and accents do not count (lower-cased, then decomposed with the marks dropped).
 */
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
/** Text of ASCII characters only: folding it is lower-casing it, and its words are runs of [a-z0-9]. */
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_WORD = /[a-z0-9]+/g;
const RUN = /[\p{L}\p{N}\p{M}]+/gu;
const NON_ASCII = /[^\x00-\x7f]/g;

/** Text folded for matching: lower case, accents removed. Marks go before splitting, so "é" stays in its word. */
export function foldText(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text.toLowerCase().normalize("NFD").replace(MARKS, "");
}

/** The words of a text, folded, in order. */
export function wordsOf(text: string): string[] {
  const lower = text.toLowerCase();
  if (ASCII.test(lower)) return lower.match(ASCII_WORD) ?? [];
  // run by run (a run of letters, digits and marks holds every character folding may turn into a
  // word's or drop): most runs are ASCII even in text that is not, and need no normalizing
  const words: string[] = [];
  for (const run of lower.match(RUN) ?? []) {
    if (ASCII.test(run)) words.push(run);
    else words.push(...(run.normalize("NFD").replace(MARKS, "").match(WORD) ?? []));
  }
  return words;
}

/**
 * A text whose tokens, split at every ASCII character but letters and digits and with ASCII letters
 * lower-cased, are exactly its words: ASCII text is itself; in other text each token holding a
 * character beyond ASCII is replaced by its folded words (the whole text lower-cased first, as
 * folding does).
 */
export function foldedTokens(text: string): string {
  if (ASCII.test(text)) return text;
  // (lower-cased whole: a final sigma depends on the characters around its token)
  const lower = text.toLowerCase();
  // each token with a character beyond ASCII is found from that character, widened to the token's
  // ends by hand: a regular expression for such tokens retries every ASCII word on the way
  let out = "";
  let pos = 0;
  NON_ASCII.lastIndex = 0;
  for (let m = NON_ASCII.exec(lower); m; m = NON_ASCII.exec(lower)) {
    let start = m.index;
    while (start > pos && isAsciiWordChar(lower.charCodeAt(start - 1))) start--;
    let end = m.index + 1;
    while (end < lower.length && (lower.charCodeAt(end) >= 0x80 || isAsciiWordChar(lower.charCodeAt(end)))) end++;
    out += `${lower.slice(pos, start)} ${(lower.slice(start, end).normalize("NFD").replace(MARKS, "").match(WORD) ?? []).join(" ")} `;
    pos = end;
    NON_ASCII.lastIndex = end;
  }
  return out + lower.slice(pos);
}

/** A lower-case ASCII letter or a digit. */
function isAsciiWordChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
}

/**
 * The words of a text with where each one sits in the original text (for marking snippets): folding
 * may change lengths, so each original character's words are found apart.
 */
export function wordSpans(text: string): Array<{ word: string; start: number; end: number }> {
  const spans: Array<{ word: string; start: number; end: number }> = [];
  const raw = /[\p{L}\p{N}\p{M}]+/gu;
  for (let m = raw.exec(text); m; m = raw.exec(text)) {
    // a run in the original may fold into several words (a letter whose lower case is not a letter)
    const folded = ASCII.test(m[0]) ? [m[0].toLowerCase()] : wordsOf(m[0]);
    if (folded.length === 1) spans.push({ word: folded[0]!, start: m.index, end: m.index + m[0].length });
    else for (const word of folded) spans.push({ word, start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

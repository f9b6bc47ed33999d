/**
 * The word rules of text search (EVENTS.md "Text search"): a word is a run of Unicode letters and
 * digits; case and accents do not count (lower-cased, then decomposed with the marks dropped).
 */
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** Text folded for matching: lower case, accents removed. Marks go before splitting, so "é" stays in its word. */
export function foldText(text: string): string {
  return text.toLowerCase().normalize("NFD").replace(MARKS, "");
}

/** The words of a text, folded, in order. */
export function wordsOf(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
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
    const folded = wordsOf(m[0]);
    if (folded.length === 1) spans.push({ word: folded[0]!, start: m.index, end: m.index + m[0].length });
    else for (const word of folded) spans.push({ word, start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

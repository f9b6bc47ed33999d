import { QueryError } from "../errors.js";
import { wordsOf } from "./words.js";

/** One word of a query: whole, or a prefix (`budg*`). */
export type QueryWord = { word: string; prefix: boolean };
/** A term: its words must appear consecutively (one word, a quoted phrase, or `file_path`). */
export type QueryTerm = QueryWord[];
/** Every term must appear somewhere in an event's searchable text, in any order. */
export type TextQuery = { source: string; terms: QueryTerm[] };

export const MAX_QUERY_CHARS = 500;
const MAX_TERMS = 32;

/**
 * Parses a search query: bare words (all must match), `"quoted phrases"` (consecutive words) and
 * `prefix*`. A bare term that holds several words (`file_path`, `sk-abc`) is matched as a phrase.
 */
export function parseTextQuery(source: string): TextQuery {
  if (source.length > MAX_QUERY_CHARS) throw new QueryError(`The search text is ${source.length} characters long; at most ${MAX_QUERY_CHARS} are accepted.`);
  if ((source.match(/"/g) ?? []).length % 2 === 1) {
    throw new QueryError(`The search text ${JSON.stringify(source)} has an unclosed quote: put a phrase between two double quotes, e.g. "budget review".`);
  }
  const terms: QueryTerm[] = [];
  // quoted phrases, then bare runs of anything but space and quote
  const parts = /"([^"]*)"|([^\s"]+)/g;
  for (let m = parts.exec(source); m; m = parts.exec(source)) {
    const term = termOf(m[1] ?? m[2]!);
    if (term.length > 0) terms.push(term);
  }
  if (terms.length === 0) {
    throw new QueryError(
      `The search text ${JSON.stringify(source)} has no words to look for: words are letters and digits; use "a phrase" in quotes, or prefix* for words that begin so.`,
    );
  }
  if (terms.length > MAX_TERMS) throw new QueryError(`The search text has ${terms.length} terms; at most ${MAX_TERMS} are accepted.`);
  return { source, terms };
}

/** The words of one bare term or phrase; a word directly followed by `*` is a prefix. */
function termOf(text: string): QueryTerm {
  const term: QueryTerm = [];
  const chunks = /([^*]*)(\*?)/g;
  for (let m = chunks.exec(text); m && m[0].length > 0; m = chunks.exec(text)) {
    const words = wordsOf(m[1]!);
    words.forEach((word, i) => term.push({ word, prefix: m![2] === "*" && i === words.length - 1 && /[\p{L}\p{N}\p{M}]$/u.test(m![1]!) }));
  }
  return term;
}

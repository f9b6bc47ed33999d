import type { QueryTerm, QueryWord } from "./query.js";
import { termAt } from "./matcher.js";
import { wordSpans } from "./words.js";

/** Characters of context kept before the first hit, and the most a snippet holds (marks and ellipses aside). */
const BEFORE = 60;
const MAX_CHARS = 200;
export const MARK_OPEN = "«";
export const MARK_CLOSE = "»";

/**
 * A short piece of the first field (of an event's redacted searchable fields) that holds a term of the
 * query, cut around the hit, with every word that matches a query word marked «like this».
 */
export function snippetOf(fields: readonly string[], terms: readonly QueryTerm[]): string | undefined {
  const queryWords = terms.flat();
  for (const field of fields) {
    const spans = wordSpans(field);
    const words = spans.map((s) => s.word);
    let hit = -1;
    for (const term of terms) {
      const at = termAt(term, words, 0);
      if (at >= 0 && (hit < 0 || at < hit)) hit = at;
    }
    if (hit < 0) continue;
    const start = Math.max(0, spans[hit]!.start - BEFORE);
    const from = start === 0 ? 0 : wordStartAfter(field, start);
    const to = Math.min(field.length, from + MAX_CHARS);
    let out = "";
    let pos = from;
    let lastMarkedStart = -1;
    for (const span of spans) {
      if (span.start < from || span.end > to || span.start === lastMarkedStart) continue;
      if (!queryWords.some((q) => wordMatches(q, span.word))) continue;
      out += field.slice(pos, span.start) + MARK_OPEN + field.slice(span.start, span.end) + MARK_CLOSE;
      pos = span.end;
      lastMarkedStart = span.start;
    }
    out += field.slice(pos, to);
    return `${from > 0 ? "…" : ""}${out.replace(/\s+/g, " ").trim()}${to < field.length ? "…" : ""}`;
  }
  return undefined;
}

function wordMatches(q: QueryWord, word: string): boolean {
  return q.prefix ? word.startsWith(q.word) : word === q.word;
}

/** The first place at or after `at` that does not split a word (so a snippet does not begin mid-word). */
function wordStartAfter(text: string, at: number): number {
  const rest = /[^\p{L}\p{N}\p{M}]/u.exec(text.slice(at, at + 40));
  return rest ? at + rest.index + 1 : at;
}

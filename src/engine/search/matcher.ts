import type { Visibility } from "../../contract/event.js";
import type { SourceEvent } from "../../sources/session.js";
import type { Redactor } from "../redact.js";
import type { QueryTerm, TextQuery } from "./query.js";
import { searchableFields } from "./searchable.js";
import { wordsOf } from "./words.js";

/** Between two fields' words: never equal to a query word, so a phrase does not run from one field into the next. */
const FIELD_BREAK = "";

/** The per-event test of a `text` filter, applied to visible events only (with their class). */
export type TextPredicate = {
  query: TextQuery;
  matches(event: SourceEvent, visibility: Visibility): boolean;
};

export function textPredicate(query: TextQuery, clearance: Visibility, redactor: Redactor): TextPredicate {
  return {
    query,
    matches: (event) => termsMatch(query.terms, eventWords(event, clearance, redactor)),
  };
}

/** The folded words of an event's searchable text, fields apart. */
export function eventWords(event: SourceEvent, clearance: Visibility, redactor: Redactor): string[] {
  const words: string[] = [];
  for (const field of searchableFields(event, clearance, redactor)) {
    if (words.length > 0) words.push(FIELD_BREAK);
    for (const word of wordsOf(field)) words.push(word);
  }
  return words;
}

export function termsMatch(terms: readonly QueryTerm[], words: readonly string[]): boolean {
  return terms.every((term) => termAt(term, words, 0) >= 0);
}

/** Where the term first occurs in `words` at or after `from`, or -1. */
export function termAt(term: QueryTerm, words: readonly string[], from: number): number {
  const last = words.length - term.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < term.length; j++) {
      const { word, prefix } = term[j]!;
      const candidate = words[i + j]!;
      if (prefix ? !(candidate.startsWith(word) && candidate.length > 0) : candidate !== word) continue outer;
    }
    return i;
  }
  return -1;
}

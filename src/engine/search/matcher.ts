import type { Visibility } from "../../contract/event.js";
import type { SourceEvent } from "../../sources/session.js";
import type { Redactor } from "../redact.js";
import type { QueryTerm, TextQuery } from "./query.js";
import { MARKER_WORDS } from "./marker-words.js";
import { searchableFields, unredactedText } from "./searchable.js";
import { foldText } from "./words.js";

/** The per-event test of a `text` filter, applied to visible events only (with their class). */
export type TextPredicate = {
  query: TextQuery;
  matches(event: SourceEvent, visibility: Visibility): boolean;
};

export function textPredicate(query: TextQuery, clearance: Visibility, redactor: Redactor): TextPredicate {
  const quick = quickTest(query);
  const matchesText = compileQuery(query);
  return {
    query,
    matches: (event) => {
      // redacting every field of every event is most of a scan's cost: first rule out, without it, the
      // events whose unredacted text cannot match
      if (quick) {
        const folded = foldText(unredactedText(event, clearance));
        if (!quick.every((pattern) => pattern.test(folded))) return false;
      }
      return matchesText(searchableFields(event, clearance, redactor));
    },
  };
}

/** Between fields in the joined text: not a word character, and never inside a phrase's gap. */
const FIELD_JOIN = "\u0000";

/**
 * The query as one regular expression per term over the folded fields joined by FIELD_JOIN (words are
 * letters and digits only, so nothing needs escaping): a phrase's words are consecutive words of one
 * field, a prefix word is the start of a word.
 */
export function compileQuery(query: TextQuery): (fields: readonly string[]) => boolean {
  const patterns = query.terms.map((term) => {
    const words = term.map(({ word, prefix }) => (prefix ? `${word}[\\p{L}\\p{N}]*` : word));
    return new RegExp(`(?<![\\p{L}\\p{N}])${words.join("[^\\p{L}\\p{N}\\u0000]+")}(?![\\p{L}\\p{N}])`, "u");
  });
  return (fields) => {
    const text = foldText(fields.join(FIELD_JOIN));
    return patterns.every((pattern) => pattern.test(text));
  };
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

/**
 * A test of the unredacted text that every event whose redacted text matches passes. Redaction only
 * replaces text with a marker ("[REDACTED:kind]"), so each word of the redacted text is a piece of
 * the unredacted text or a marker word, and the gap between two words of a phrase is unchanged (a
 * marker in it would put its words between them): each term's words, as pieces of words, with
 * non-word characters between. Undefined when a query word could come from a marker ("[image data
 * omitted]", "[3 more items]"): then there is no such test.
 */
function quickTest(query: TextQuery): RegExp[] | undefined {
  const words = query.terms.flat();
  const fromMarker = words.some(({ word, prefix }) => /^\d+$/.test(word) || (prefix ? MARKER_WORDS.some((m) => m.startsWith(word)) : MARKER_WORDS.includes(word)));
  if (fromMarker) return undefined;
  return query.terms.map((term) => new RegExp(term.map((w) => w.word).join("[^\\p{L}\\p{N}]+"), "u"));
}

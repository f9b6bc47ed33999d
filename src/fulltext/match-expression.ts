import type { TextQuery } from "../engine/search/query.js";

/**
 * The FTS5 query for a text query, over documents that hold each field's words (see documentText):
 * every term, a phrase of consecutive tokens (a word is one), its last word a prefix when it is one;
 * `thinking` adds the thinking column. Undefined for a term with a prefix before its last word, which
 * FTS5 cannot express exactly (the engine scans then).
 */
export function matchExpression(query: TextQuery, thinking: boolean): string | undefined {
  const terms: string[] = [];
  for (const term of query.terms) {
    if (term.some((word, i) => word.prefix && i < term.length - 1)) return undefined;
    // (words are letters and digits only: nothing in them needs quoting)
    terms.push(`"${term.map((w) => w.word).join(" ")}"${term[term.length - 1]!.prefix ? " *" : ""}`);
  }
  return `${thinking ? "{body thinking}" : "{body}"} : (${terms.join(" AND ")})`;
}

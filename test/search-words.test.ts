/**
 * The word rules' fast paths (ASCII text, ASCII runs in other text) give exactly the words of the rule
 * itself (EVENTS.md "Text search": lower-cased, decomposed, marks dropped, runs of letters and digits),
 * on text mixing the characters where the rule is subtle; and so do the full-text index's documents,
 * as SQLite's own "ascii" tokenizer splits them.
 */
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { documentText } from "../src/fulltext/document-text.js";
import { wordsOf } from "../src/engine/search/words.js";

const rule = (text: string): string[] => text.toLowerCase().normalize("NFD").replace(/\p{M}+/gu, "").match(/[\p{L}\p{N}]+/gu) ?? [];

const PIECES = ["a", "B", "Z9", " ", "-", "_", "'", "\n", "é", "e\u0301", "\u0301", "—", "日本", "ß", "Σ", "ς", "İ", "K", "ﬁ", "Ⅻ", "①", "🙂", "\u200d", "\uE000", "Ω"];

// the index's table as database.ts makes it, and its tokens in order
const db = new Database(":memory:");
db.exec("CREATE VIRTUAL TABLE fts USING fts5(body, content='', contentless_delete=1, tokenize='ascii', detail=full)");
db.exec("CREATE VIRTUAL TABLE vocab USING fts5vocab(fts, instance)");
afterAll(() => db.close());
function tokensOf(rowid: number, document: string): string[] {
  db.prepare("INSERT INTO fts(rowid, body) VALUES (?, ?)").run(rowid, document);
  return (db.prepare("SELECT term FROM vocab WHERE doc = ? ORDER BY offset").all(rowid) as Array<{ term: string }>).map((r) => r.term);
}

describe("word rules", () => {
  it("wordsOf and the index's tokenizer over documentText give the rule's words, ASCII or not", () => {
    let row = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 16 }), (pieces) => {
        const text = pieces.join("");
        expect(wordsOf(text)).toEqual(rule(text));
        expect(tokensOf(++row, documentText([text])), text).toEqual(rule(text));
      }),
      { numRuns: 1000, seed: 28 },
    );
  });

  it("every code point, alone and between words", () => {
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x3000 ? 1 : 7) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      for (const text of [c, `ab${c}CD`, `ΟΣ${c}Α`]) if (wordsOf(text).join(" ") !== rule(text).join(" ")) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

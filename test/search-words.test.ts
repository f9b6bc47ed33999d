/**
 * The word rules' fast paths (ASCII text, ASCII runs in other text) give exactly the words of the rule
 * itself (EVENTS.md "Text search": lower-cased, decomposed, marks dropped, runs of letters and digits),
 * on text mixing the characters where the rule is subtle.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wordsOf, wordText } from "../src/engine/search/words.js";

const rule = (text: string): string[] => text.toLowerCase().normalize("NFD").replace(/\p{M}+/gu, "").match(/[\p{L}\p{N}]+/gu) ?? [];

const PIECES = ["a", "B", "Z9", " ", "-", "_", "'", "\n", "é", "e\u0301", "\u0301", "—", "日本", "ß", "Σ", "ς", "İ", "K", "ﬁ", "Ⅻ", "①", "🙂", "\u200d", "\uE000", "Ω"];

describe("word rules", () => {
  it("wordsOf and wordText give the rule's words, ASCII or not", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 16 }), (pieces) => {
        const text = pieces.join("");
        expect(wordsOf(text)).toEqual(rule(text));
        expect(wordText(text)).toBe(rule(text).join(" "));
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

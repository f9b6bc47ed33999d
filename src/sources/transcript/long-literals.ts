import { cutItemsMarkJson, cutMarkJson } from "../../contract/cut-mark.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Copies the bytes of one JSON line, keeping only the first `keepBytes` of each string literal longer
 * than that: the rest is counted (in UTF-16 units, as JavaScript measures strings) and replaced by a
 * cut mark. Likewise an array or object with more than `keepItems` items keeps its first `keepItems`,
 * and the rest is skipped, counted, and replaced by one last item (an object: a last key) that is a cut
 * mark. So a 50 MB line, or one of 30 million numbers, becomes a small one without ever being held
 * whole, nor parsed whole. Cuts fall between characters, never inside a UTF-8 sequence or an escape.
 */
export class LongLiteralCutter {
  private out: Buffer;
  private length = 0;
  private inString = false;
  /** 0: not in an escape; -1: just after a backslash; n > 0: hex digits of a \u escape still to come. */
  private escape = 0;
  private literalBytes = 0;
  private cut = false;
  private moreUnits = 0;

  /** Per open array or object, outermost first: whether it is an object, and the items seen so far (commas, then 1). */
  private readonly containers: Array<{ isObject: boolean; commas: number }> = [];
  /** While the rest of a container is skipped: its depth, nesting within it, and what it skips. */
  private skipping: { depth: number; inString: boolean; escaped: boolean; items: number } | undefined;

  constructor(
    private readonly keepBytes: number,
    private readonly keepItems = Number.POSITIVE_INFINITY,
  ) {
    this.out = Buffer.allocUnsafe(Math.max(1024, keepBytes * 2));
  }

  push(bytes: Buffer, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      if (this.skipping) {
        i = this.skip(bytes, i, to);
        continue;
      }
      const b = bytes[i]!;
      if (!this.inString) {
        if (b === COMMA) {
          const open = this.containers[this.containers.length - 1];
          if (open && ++open.commas >= this.keepItems) {
            this.skipping = { depth: 0, inString: false, escaped: false, items: 1 };
            continue;
          }
        } else if (b === OPEN_BRACKET || b === OPEN_BRACE) this.containers.push({ isObject: b === OPEN_BRACE, commas: 0 });
        else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) this.containers.pop();
        this.put(b);
        if (b === QUOTE) this.startLiteral();
        continue;
      }
      if (this.escape !== 0) {
        this.escape = this.escape === -1 ? (b === LETTER_U ? 4 : 0) : this.escape - 1;
        if (!this.cut) {
          this.put(b);
          this.literalBytes++;
        }
        continue;
      }
      if (b === QUOTE) {
        if (this.cut) this.putText(cutMarkJson(this.moreUnits));
        this.put(b);
        this.inString = false;
        continue;
      }
      const startsCharacter = (b & 0xc0) !== 0x80;
      if (!this.cut && this.literalBytes >= this.keepBytes && startsCharacter) this.cut = true;
      if (this.cut) {
        if (b !== BACKSLASH) {
          i = this.countUntilQuoteOrEscape(bytes, i, to) - 1;
          continue;
        }
        this.moreUnits++; // an escape counts once, at its backslash
      } else {
        this.put(b);
        this.literalBytes++;
      }
      if (b === BACKSLASH) this.escape = -1;
    }
  }

  /** In the cut part of a literal: counts the characters from i up to the next quote or backslash; returns where that is. */
  private countUntilQuoteOrEscape(bytes: Buffer, i: number, to: number): number {
    let units = 0;
    let j = i;
    for (; j < to; j++) {
      const b = bytes[j]!;
      if (b === QUOTE || b === BACKSLASH) break;
      if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
    }
    this.moreUnits += units;
    return j;
  }

  /**
   * Past the last kept item of a container: skips to its closing bracket, counting the items, then
   * puts the mark and the bracket. Returns where it stopped (the closing bracket, or the end of the bytes).
   */
  private skip(bytes: Buffer, i: number, to: number): number {
    const s = this.skipping!;
    for (; i < to; i++) {
      const b = bytes[i]!;
      if (s.inString) {
        if (s.escaped) s.escaped = false;
        else if (b === BACKSLASH) s.escaped = true;
        else if (b === QUOTE) s.inString = false;
      } else if (b === QUOTE) s.inString = true;
      else if (b === COMMA) {
        if (s.depth === 0) s.items++;
      } else if (b === OPEN_BRACKET || b === OPEN_BRACE) s.depth++;
      else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
        if (s.depth-- > 0) continue;
        const open = this.containers.pop()!;
        this.putText(`,"${cutItemsMarkJson(s.items)}"${open.isObject ? ":null" : ""}`);
        this.put(b);
        this.skipping = undefined;
        return i;
      }
    }
    return i;
  }

  /** The line as cut so far. */
  result(): Buffer {
    return this.out.subarray(0, this.length);
  }

  private startLiteral(): void {
    this.inString = true;
    this.literalBytes = 0;
    this.cut = false;
    this.moreUnits = 0;
  }

  private put(b: number): void {
    if (this.length === this.out.length) this.grow(1);
    this.out[this.length++] = b;
  }

  private putText(text: string): void {
    this.grow(text.length);
    this.length += this.out.write(text, this.length, "latin1");
  }

  private grow(extra: number): void {
    if (this.length + extra <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.length + extra));
    this.out.copy(bigger, 0, 0, this.length);
    this.out = bigger;
  }
}

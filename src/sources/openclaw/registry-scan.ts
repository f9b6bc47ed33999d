import { closeSync, openSync, readSync } from "node:fs";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CHUNK_BYTES = 1024 * 1024;

/** Where the scan is in the registry's top-level object. */
const enum At {
  Start,
  FirstKeyOrEnd,
  Key,
  Colon,
  ValueStart,
  Value,
  CommaOrEnd,
  NextKey,
  End,
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Reads a `sessions.json` (one JSON object: session key -> entry) without holding it whole: the bytes of
 * each top-level value are found by a scan that tracks only strings and nesting, then that value alone
 * is parsed (JSON.parse, which also checks it) and handed to `onEntry`, which keeps what it needs. So
 * memory is one chunk plus one entry (real entries hold a 13-90 KB skills snapshot each), not the file
 * and every entry parsed. A file that is not one valid JSON object (caught half-written, say) throws, as
 * JSON.parse of the whole text would; only where each top-level key falls in the order of the entries
 * can differ from it (JSON.parse puts integer-like keys first).
 *
 * (Hand-rolled rather than a streaming JSON library: those tokenize every byte into events in
 * JavaScript, several times slower than this scan plus V8's own parser on each entry, and none can
 * give an entry's raw text to parse natively.)
 */
export function scanRegistryFile(path: string, onEntry: (key: string, value: unknown) => void, chunkBytes = CHUNK_BYTES): void {
  const fd = openSync(path, "r");
  try {
    const scan = new RegistryScan(onEntry);
    const chunk = Buffer.allocUnsafe(Math.max(3, chunkBytes));
    const bom = readSync(fd, chunk, 0, 3, 0) === 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
    let position = bom ? 3 : 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunkBytes, position);
      if (read === 0) break;
      scan.push(chunk, read, position);
      position += read;
    }
    scan.end();
  } finally {
    closeSync(fd);
  }
}

class RegistryScan {
  private at = At.Start;
  /** The bytes of the key or value being read, from earlier chunks. */
  private pending: Buffer[] = [];
  private key = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** A value that is a bare number, true, false or null (ends at a space, comma or brace). */
  private scalar = false;

  constructor(private readonly onEntry: (key: string, value: unknown) => void) {}

  push(chunk: Buffer, length: number, offset: number): void {
    let tokenStart = this.at === At.Key || this.at === At.Value ? 0 : -1;
    for (let i = 0; i < length; i++) {
      const b = chunk[i]!;
      switch (this.at) {
        case At.Key:
          if (this.escaped) this.escaped = false;
          else if (b === BACKSLASH) this.escaped = true;
          else if (b === QUOTE) {
            this.key = JSON.parse(this.token(chunk, tokenStart, i + 1)) as string;
            this.at = At.Colon;
          }
          continue;
        case At.Value:
          if (this.scalar) {
            if (!isSpace(b) && b !== COMMA && b !== CLOSE_BRACE) continue;
            this.endValue(chunk, tokenStart, i);
            i--; // the byte that ended it is the next state's
            continue;
          }
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (b === BACKSLASH) this.escaped = true;
            else if (b === QUOTE) {
              this.inString = false;
              if (this.depth === 0) this.endValue(chunk, tokenStart, i + 1);
            }
          } else if (b === QUOTE) this.inString = true;
          else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
          else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --this.depth === 0) this.endValue(chunk, tokenStart, i + 1);
          continue;
      }
      if (isSpace(b)) continue;
      switch (this.at) {
        case At.Start:
          if (b !== OPEN_BRACE) throw new Error("registry is not a JSON object");
          this.at = At.FirstKeyOrEnd;
          continue;
        case At.FirstKeyOrEnd:
        case At.NextKey:
          if (b === CLOSE_BRACE && this.at === At.FirstKeyOrEnd) {
            this.at = At.End;
            continue;
          }
          if (b !== QUOTE) break;
          this.at = At.Key;
          tokenStart = i;
          continue;
        case At.Colon:
          if (b !== COLON) break;
          this.at = At.ValueStart;
          continue;
        case At.ValueStart:
          this.at = At.Value;
          tokenStart = i;
          this.depth = b === OPEN_BRACE || b === OPEN_BRACKET ? 1 : 0;
          this.inString = b === QUOTE;
          this.scalar = this.depth === 0 && !this.inString;
          if (b === CLOSE_BRACE || b === CLOSE_BRACKET || b === COMMA || b === COLON) break;
          continue;
        case At.CommaOrEnd:
          if (b === COMMA) this.at = At.NextKey;
          else if (b === CLOSE_BRACE) this.at = At.End;
          else break;
          continue;
      }
      throw new Error(`registry is not valid JSON: unexpected ${JSON.stringify(String.fromCharCode(b))} at byte ${offset + i}`);
    }
    if (this.at === At.Key || this.at === At.Value) this.pending.push(Buffer.from(chunk.subarray(Math.max(0, tokenStart), length)));
  }

  end(): void {
    if (this.at === At.Value && this.scalar) this.endValue(Buffer.alloc(0), 0, 0);
    if (this.at === At.Start) throw new Error("registry is empty");
    if (this.at !== At.End) throw new Error("registry ends early (unexpected end of JSON input)");
  }

  /** The text of the token that ends at `end` in this chunk (started at `start`, or in an earlier chunk). */
  private token(chunk: Buffer, start: number, end: number): string {
    if (this.pending.length === 0) return chunk.toString("utf8", start, end);
    const text = Buffer.concat([...this.pending, chunk.subarray(Math.max(0, start), end)]).toString("utf8");
    this.pending = [];
    return text;
  }

  private endValue(chunk: Buffer, start: number, end: number): void {
    const value: unknown = JSON.parse(this.token(chunk, start, end));
    this.onEntry(this.key, value);
    this.at = At.CommaOrEnd;
    this.scalar = false;
  }
}

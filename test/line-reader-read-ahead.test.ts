/**
 * A read that stops after a line (a page is full) leaves the bytes it fetched past it in a ReadAhead;
 * the next read starting among them takes them instead of fetching them again. Reads that take over
 * where the last stopped must give exactly the lines one read of the whole file gives.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLines, type Line, type ReadAhead } from "../src/sources/transcript/line-reader.js";
import { withoutTurns } from "../src/sources/transcript/turns.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "read-ahead-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const newReadAhead = (): ReadAhead => ({ at: 0, bytes: undefined, chunkBytes: 0 });

/** Writes `content` to a file and hands its path and a descriptor open for reading to `use`. */
function withFile(content: string, use: (fd: number, path: string) => void): void {
  const path = join(dir, "f.jsonl");
  writeFileSync(path, content);
  const fd = openSync(path, "r");
  try {
    use(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** The first `n` lines read from `start` on (the read is then left, as a full page leaves it). */
function take(fd: number, start: number, n: number, readAhead: ReadAhead, chunkBytes?: number): Line[] {
  const out: Line[] = [];
  if (n === 0) return out;
  for (const line of withoutTurns(readLines(fd, { start, readAhead, chunkBytes }))) {
    out.push(line);
    if (out.length === n) break;
  }
  return out;
}

describe("reads that go on where the last one stopped", () => {
  it("give the lines one whole read gives, whatever the chunk size, wherever each read stops and starts (fuzzed)", () => {
    const lineArb = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 40, maxLength: 300 }), fc.constant('{"a":"héllo ✓ 😀"}'));
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 128 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 20 }),
        (lines, trailingNewline, chunkBytes, stops, skips) => {
          const content = lines.map((l) => l.replaceAll("\n", " ")).join("\n") + (trailingNewline ? "\n" : "");
          withFile(content, (fd) => {
            const whole = [...withoutTurns(readLines(fd, { chunkBytes }))];
            const readAhead = newReadAhead();
            // each read takes some lines, and the next starts at the line after them or a little later
            let next = 0;
            for (let i = 0; next < whole.length; i++) {
              const n = stops[i % stops.length]!;
              expect(take(fd, whole[next]!.offset, n, readAhead, chunkBytes)).toEqual(whole.slice(next, next + n));
              next += n + skips[i % skips.length]!;
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keep what the last read fetched past its last line, and take it rather than read it again", () => {
    withFile('{"a":1}\n{"b":2}\n{"c":3}\n', (fd, path) => {
      const readAhead = newReadAhead();
      expect(take(fd, 0, 1, readAhead).map((l) => l.text)).toEqual(['{"a":1}']);
      expect(readAhead.at).toBe(8);
      expect(readAhead.bytes?.toString()).toBe('{"b":2}\n{"c":3}\n');
      // the file is changed under the descriptor: bytes taken from the read-ahead show they were not read
      // again (whether a file is unchanged is the caller's check: see kept-open.ts)
      writeFileSync(path, '{"a":1}\n{"B":2}\n{"C":3}\n');
      expect(take(fd, 8, 1, readAhead).map((l) => l.text)).toEqual(['{"b":2}']);
      expect(readAhead.at).toBe(16);
      // a read that starts elsewhere reads the file, and the read-ahead it did not use is gone
      expect(take(fd, 0, 3, readAhead).map((l) => l.text)).toEqual(['{"a":1}', '{"B":2}', '{"C":3}']);
      expect(readAhead.bytes).toBeUndefined();
    });
  });

  it("fill again the chunk the last read filled, once past the bytes carried from it, giving the same lines", () => {
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ i, text: "x".repeat(i % 7) }));
    withFile(lines.join("\n") + "\n", (fd) => {
      const whole = [...withoutTurns(readLines(fd, { chunkBytes: 64 }))];
      const readAhead = newReadAhead();
      expect(take(fd, 0, 5, readAhead, 64)).toEqual(whole.slice(0, 5));
      const chunk = readAhead.chunk;
      expect(chunk).toBeDefined();
      // each read takes the bytes carried over, then reads on into that same chunk: no chunk of its own
      for (let next = 5; next < whole.length; next += 5) {
        expect(take(fd, whole[next]!.offset, 5, readAhead, 64)).toEqual(whole.slice(next, next + 5));
        expect(readAhead.chunk).toBe(chunk);
      }
    });
  });

  it("stop at `end` though the bytes carried go past it", () => {
    withFile('{"a":1}\n{"b":2}\n{"c":3}\n', (fd) => {
      const readAhead = newReadAhead();
      take(fd, 0, 1, readAhead);
      const lines = [...withoutTurns(readLines(fd, { start: 8, end: 16, readAhead }))];
      expect(lines).toEqual([{ text: '{"b":2}', offset: 8, end: 16, complete: true }]);
    });
  });
});

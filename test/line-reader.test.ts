import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { CUT_KEEPS_MORE_THAN_CHARS, lengthBeforeCut } from "../src/contract/cut-mark.js";
import { KEEP_ITEMS, KEEP_LITERAL_BYTES, readLines, type Line, type ReadLinesOptions } from "../src/sources/transcript/line-reader.js";
import { withTurns } from "../src/sources/transcript/turns.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "line-reader-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(content: string | Buffer, name = "f.jsonl"): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all(path: string, options?: ReadLinesOptions): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of withTurns(readLines(path, options))) out.push(line);
  return out;
}

/** What a correct reader must report for `content` (split on \n, byte offsets, BOM dropped from line 1). */
function expected(content: Buffer): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < content.length) {
    const nl = content.indexOf(0x0a, start);
    const stop = nl === -1 ? content.length : nl;
    let text = content.toString("utf8", start, stop);
    if (start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    lines.push({ text, offset: start, end: nl === -1 ? stop : stop + 1, complete: nl !== -1 });
    start = nl === -1 ? stop : stop + 1;
  }
  return lines;
}

describe("readLines offsets", () => {
  it("reports every line with exact byte offset and end (just past the newline), multi-byte text included", async () => {
    const content = '{"a":1}\n{"b":"héllo ✓"}\n\n{"c":3}\n';
    const path = write(content);
    const lines = await all(path);
    expect(lines).toEqual([
      { text: '{"a":1}', offset: 0, end: 8, complete: true },
      { text: '{"b":"héllo ✓"}', offset: 8, end: 8 + Buffer.byteLength('{"b":"héllo ✓"}') + 1, complete: true },
      { text: "", offset: 27, end: 28, complete: true },
      { text: '{"c":3}', offset: 28, end: 36, complete: true },
    ]);
    expect(lines[1]!.end).toBe(27); // é is 2 bytes, ✓ is 3
    expect(lines.at(-1)!.end).toBe(Buffer.byteLength(content));
  });

  it("gives the same lines and offsets whatever the chunk size", async () => {
    const content = Buffer.from(
      ['{"x":"short"}', `{"y":"${"z".repeat(50)}"}`, "", '{"emoji":"😀😀😀 ünïcødé 日本語"}', "tail-without-newline"].join("\n"),
    );
    const path = write(content);
    const want = expected(content);
    for (const chunkBytes of [1, 2, 3, 7, 16, 17, 64, 1024]) {
      expect(await all(path, { chunkBytes })).toEqual(want);
    }
  });

  it("reports a partial last line (no trailing newline) with complete:false and end at the file size", async () => {
    const path = write('{"a":1}\n{"b":2');
    expect(await all(path)).toEqual([
      { text: '{"a":1}', offset: 0, end: 8, complete: true },
      { text: '{"b":2', offset: 8, end: 14, complete: false },
    ]);
  });

  it("yields nothing for an empty file and a single empty line for a lone newline", async () => {
    expect(await all(write("", "empty.jsonl"))).toEqual([]);
    expect(await all(write("\n", "nl.jsonl"))).toEqual([{ text: "", offset: 0, end: 1, complete: true }]);
  });
});

describe("readLines text", () => {
  it("strips a UTF-8 BOM at the file start but keeps offsets in bytes of the file", async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]);
    const path = write(content);
    const lines = await all(path);
    expect(lines).toEqual([
      { text: '{"a":1}', offset: 0, end: 11, complete: true },
      { text: '{"b":2}', offset: 11, end: 19, complete: true },
    ]);
    expect(JSON.parse(lines[0]!.text)).toEqual({ a: 1 });
    // same through the spanning path
    expect(await all(path, { chunkBytes: 2 })).toEqual(lines);
  });

  it("keeps a U+FEFF that is not at the file start", async () => {
    const path = write('{"a":1}\n\ufeff{"b":2}\n');
    const lines = await all(path);
    expect(lines[1]!.text).toBe('\ufeff{"b":2}');
  });

  it("reads CRLF lines whose text still parses as JSON, with offsets covering the \\r", async () => {
    const path = write('{"a":1}\r\n{"b":[2]}\r\n');
    const lines = await all(path);
    expect(lines.map((l) => [l.offset, l.end, l.complete])).toEqual([
      [0, 9, true],
      [9, 20, true],
    ]);
    expect(lines.map((l) => JSON.parse(l.text))).toEqual([{ a: 1 }, { b: [2] }]);
    expect(lines.map((l) => l.text.replace(/\r$/, ""))).toEqual(['{"a":1}', '{"b":[2]}']);
  });

  it("brings a line much longer than chunkBytes out whole, and the lines around it too", async () => {
    const long = JSON.stringify({ text: "abcdefghij".repeat(100) + "✓".repeat(33) });
    const content = `{"first":1}\n${long}\n{"last":3}\n`;
    const path = write(content);
    const lines = await all(path, { chunkBytes: 16 });
    expect(lines.map((l) => l.text)).toEqual(['{"first":1}', long, '{"last":3}']);
    expect(lines[1]).toEqual({ text: long, offset: 12, end: 12 + Buffer.byteLength(long) + 1, complete: true });
    expect(lines[2]!.end).toBe(Buffer.byteLength(content));
  });

  it("handles a newline that falls exactly on a chunk boundary", async () => {
    const path = write(`${"a".repeat(16)}\n${"b".repeat(15)}\n${"c".repeat(16)}`);
    expect(await all(path, { chunkBytes: 16 })).toEqual([
      { text: "a".repeat(16), offset: 0, end: 17, complete: true },
      { text: "b".repeat(15), offset: 17, end: 33, complete: true },
      { text: "c".repeat(16), offset: 33, end: 49, complete: false },
    ]);
  });

  it("does not throw on invalid UTF-8 and replaces the bad bytes", async () => {
    const content = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n{"b":1}\n')]);
    const path = write(content);
    for (const chunkBytes of [4, 1024]) {
      const lines = await all(path, { chunkBytes });
      expect(lines).toHaveLength(2);
      expect(lines[0]!.offset).toBe(0);
      expect(lines[0]!.end).toBe(12);
      expect(lines[0]!.text).toContain("\ufffd");
      expect(lines[0]!.text.startsWith('{"a":"')).toBe(true);
      expect(lines[1]).toEqual({ text: '{"b":1}', offset: 12, end: 20, complete: true });
    }
  });
});

describe("readLines maxLineBytes", () => {
  it("reports a line over maxLineBytes as oversized with empty text, and reads the following lines correctly", async () => {
    const big = "x".repeat(100);
    const content = `{"a":1}\n${big}\n{"b":2}\n${"y".repeat(30)}\n`;
    const path = write(content);
    for (const chunkBytes of [16, 7, 4096]) {
      expect(await all(path, { chunkBytes, maxLineBytes: 30 })).toEqual([
        { text: '{"a":1}', offset: 0, end: 8, complete: true },
        { text: "", offset: 8, end: 109, complete: true, oversized: true },
        { text: '{"b":2}', offset: 109, end: 117, complete: true },
        { text: "y".repeat(30), offset: 117, end: 148, complete: true }, // exactly the limit is fine
      ]);
    }
  });

  it("reports an oversized partial last line with complete:false", async () => {
    const path = write(`{"a":1}\n${"q".repeat(50)}`);
    expect(await all(path, { chunkBytes: 16, maxLineBytes: 20 })).toEqual([
      { text: '{"a":1}', offset: 0, end: 8, complete: true },
      { text: "", offset: 8, end: 58, complete: false, oversized: true },
    ]);
  });

  it("marks consecutive oversized lines separately", async () => {
    const path = write(`${"a".repeat(40)}\n${"b".repeat(40)}\nok\n`);
    expect(await all(path, { chunkBytes: 16, maxLineBytes: 10 })).toEqual([
      { text: "", offset: 0, end: 41, complete: true, oversized: true },
      { text: "", offset: 41, end: 82, complete: true, oversized: true },
      { text: "ok", offset: 82, end: 85, complete: true },
    ]);
  });
});

describe("readLines shares the event loop", () => {
  it("gives the event loop turns during a long read of many small files, not only within one large file", async () => {
    // 48 files of 256 KiB: 12 MiB read with no file anywhere near large
    const line = `${JSON.stringify({ type: "message", text: "x".repeat(1000) })}\n`;
    const paths = Array.from({ length: 48 }, (_, i) => write(line.repeat(256), `f${i}.jsonl`));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    let lines = 0;
    try {
      for (const path of paths) lines += (await all(path)).length;
    } finally {
      clearInterval(ticker);
    }
    expect(lines).toBe(48 * 256);
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});

describe("readLines start and end", () => {
  const content = '{"a":1}\n{"b":2}\n{"c":3}\n';

  it("starts at a given line offset and keeps absolute offsets", async () => {
    const path = write(content);
    expect(await all(path, { start: 8 })).toEqual([
      { text: '{"b":2}', offset: 8, end: 16, complete: true },
      { text: '{"c":3}', offset: 16, end: 24, complete: true },
    ]);
    expect(await all(path, { start: 24 })).toEqual([]);
  });

  it("stops at end (exclusive); a line cut by end is reported incomplete", async () => {
    const path = write(content);
    expect(await all(path, { end: 16 })).toEqual([
      { text: '{"a":1}', offset: 0, end: 8, complete: true },
      { text: '{"b":2}', offset: 8, end: 16, complete: true },
    ]);
    expect(await all(path, { start: 8, end: 12, chunkBytes: 3 })).toEqual([{ text: '{"b"', offset: 8, end: 12, complete: false }]);
  });

  it("does not strip U+FEFF when starting past the file start", async () => {
    const path = write(Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("x\n")]));
    expect(await all(path, { start: 8 })).toEqual([{ text: "\ufeffx", offset: 8, end: 13, complete: true }]);
  });

  it("reads the file as it was when opened when end is given, ignoring bytes past it", async () => {
    const path = write(`${content}{"d":4}\n`);
    const lines = await all(path, { end: Buffer.byteLength(content) });
    expect(lines.map((l) => l.text)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});

describe("readLines cuts the long strings of a huge line", () => {
  /** Every string of `cut` is the one in `whole`, or its start followed by a cut mark that counts what is missing. */
  function expectCutFrom(cut: unknown, whole: unknown, keepBytes: number): number {
    if (typeof whole === "string") {
      const text = cut as string;
      if (text === whole) return 0;
      const mark = text.indexOf("\u0000[cut on read: ");
      expect(mark, JSON.stringify(text.slice(0, 80))).toBeGreaterThan(0);
      expect(whole.startsWith(text.slice(0, mark))).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(text.slice(0, mark))) - 2).toBeLessThanOrEqual(keepBytes + 6); // kept: keepBytes, then to the end of that character
      expect(Buffer.byteLength(whole)).toBeGreaterThan(keepBytes);
      const more = /^\u0000\[cut on read: (\d+) more chars\]$/.exec(text.slice(mark));
      expect(more, text.slice(mark)).not.toBeNull();
      expect(mark + Number(more![1])).toBe(whole.length);
      return 1;
    }
    if (typeof whole !== "object" || whole === null) {
      expect(cut).toEqual(whole);
      return 0;
    }
    expect(Object.keys(cut as object)).toEqual(Object.keys(whole));
    let cuts = 0;
    for (const [key, value] of Object.entries(whole)) cuts += expectCutFrom((cut as Record<string, unknown>)[key], value, keepBytes);
    return cuts;
  }

  it("keeps the start of each long literal (escapes, multi-byte and astral characters intact) and the true length", async () => {
    const piece = 'ab"\\/\n\t\u0001é€😀\ud800x'; // quote, backslash, control characters, 2-, 3- and 4-byte UTF-8, a lone surrogate
    const whole = { type: "message", message: { content: [{ type: "text", text: piece.repeat(300_000) }, { type: "text", text: "short" }], n: 42 } };
    const line = JSON.stringify(whole);
    const path = write(`{"first":1}\n${line}\n{"last":3}\n`);
    const [first, huge, last] = await all(path);
    expect([first!.text, last!.text]).toEqual(['{"first":1}', '{"last":3}']);
    expect(huge!.end - huge!.offset).toBe(Buffer.byteLength(line) + 1); // offsets count the bytes of the file
    expect(huge!.text.length).toBeLessThan(KEEP_LITERAL_BYTES + 1024);
    expect(KEEP_LITERAL_BYTES).toBeGreaterThan(6 * CUT_KEEPS_MORE_THAN_CHARS); // even a literal of \uXXXX escapes keeps more than a page shows
    const cut = JSON.parse(huge!.text) as typeof whole;
    expect(expectCutFrom(cut, whole, KEEP_LITERAL_BYTES)).toBe(1);
    expect(lengthBeforeCut(cut.message.content[0]!.text)).toBe(whole.message.content[0]!.text.length);
    // asked for whole lines (fetching one event), the same line comes out as it is in the file
    expect((await all(path, { wholeLines: true }))[1]!.text).toBe(line);
  });

  it("gives JSON that parses to the same value, but for cut strings, whatever the chunk and cut sizes (fuzzed)", async () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).chain((s) => fc.integer({ min: 1, max: 400 }).map((n) => s.repeat(n))));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("node"), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 8 }), tie("node"), { maxKeys: 5 })),
    })).node;
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 1, max: 97 }), fc.integer({ min: 64, max: 700 }), async (whole, chunkBytes, keepBytes) => {
        const line = JSON.stringify({ v: whole });
        const path = write(`${line}\n{"after":true}\n`, "fuzz.jsonl");
        const lines = await all(path, { chunkBytes, cut: { linesOver: 32, keepBytes } });
        expect(lines[1]!.text).toBe('{"after":true}');
        expectCutFrom(JSON.parse(lines[0]!.text), { v: whole }, keepBytes);
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261121) },
    );
  }, 120_000);
});

describe("readLines cuts the long arrays and objects of a huge line", () => {
  const MARK = /^\u0000\[cut on read: (\d+) more items\]$/;

  /** `cut` is `whole` but that every array or object of more than `keepItems` items keeps its first ones and a mark counting the rest. */
  function expectItemsCut(cut: unknown, whole: unknown, keepItems: number): number {
    if (typeof whole !== "object" || whole === null) {
      expect(cut).toEqual(whole);
      return 0;
    }
    const wholeEntries = Object.entries(whole);
    const cutEntries = Object.entries(cut as object);
    let cuts = 0;
    if (wholeEntries.length > keepItems) {
      expect(cutEntries).toHaveLength(keepItems + 1);
      const [markKey, markValue] = cutEntries.pop()!;
      const mark = MARK.exec(Array.isArray(whole) ? String(markValue) : markKey);
      expect(mark, String(Array.isArray(whole) ? markValue : markKey)).not.toBeNull();
      expect(keepItems + Number(mark![1])).toBe(wholeEntries.length);
      wholeEntries.splice(keepItems);
      cuts++;
    }
    expect(cutEntries.map(([k]) => k)).toEqual(wholeEntries.map(([k]) => k));
    cutEntries.forEach(([, value], i) => (cuts += expectItemsCut(value, wholeEntries[i]![1], keepItems)));
    return cuts;
  }

  it("keeps the first items of each long array or object and counts the rest in a last item, whatever the chunk size (fuzzed)", async () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary", maxLength: 6 }),
        fc.integer(),
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 9 }),
        fc.dictionary(fc.string({ unit: "binary", maxLength: 4 }).map((k) => `k${k}`), tie("node"), { maxKeys: 9 }),
      ),
    })).node;
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 1, max: 97 }), fc.integer({ min: 2, max: 5 }), async (whole, chunkBytes, keepItems) => {
        // (longer than a chunk and than linesOver, so it is cut; the line after is short, so it is not)
        const line = JSON.stringify({ v: [whole], pad: "x".repeat(200) });
        const path = write(`${line}\n[1,2,3,4,5,6]\n`, "fuzz.jsonl");
        const lines = await all(path, { chunkBytes, cut: { linesOver: 16, keepBytes: 1 << 20, keepItems } });
        expect(lines[1]!.text).toBe("[1,2,3,4,5,6]");
        expectItemsCut(JSON.parse(lines[0]!.text), { v: [whole], pad: "x".repeat(200) }, keepItems);
      }),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261207) },
    );
  });

  it("never holds a line of millions of items parsed whole: a 3M-number array comes out as its first KEEP_ITEMS and a count", async () => {
    const items = 3_000_000;
    const path = write(`{"details":{"rows":[${"7,".repeat(items - 1)}7],"ok":true},"tail":"t"}\n`);
    const [line] = await all(path);
    const parsed = JSON.parse(line!.text) as { details: { rows: unknown[]; ok: boolean }; tail: string };
    expect(parsed.details.rows).toHaveLength(KEEP_ITEMS + 1);
    expect(parsed.details.rows.at(-1)).toBe(`\u0000[cut on read: ${items - KEEP_ITEMS} more items]`);
    expect([parsed.details.ok, parsed.tail]).toEqual([true, "t"]); // what follows the cut array is kept
    expect(line!.text.length).toBeLessThan(10_000);
  });
});


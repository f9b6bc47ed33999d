import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLines, type Line, type ReadLinesOptions } from "../src/sources/transcript/line-reader.js";

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
  for await (const line of readLines(path, options)) out.push(line);
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

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { scanRegistryFile } from "../src/sources/openclaw/registry-scan.js";

const dir = mkdtempSync(join(tmpdir(), "registry-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** What the scan gives for `text` read in chunks of `chunkBytes`: the entries in order, or the error. */
function scanned(text: string | Buffer, chunkBytes: number): { entries: Array<[string, unknown]> } | { error: string } {
  const path = join(dir, `r${files++}.json`);
  writeFileSync(path, text);
  const entries: Array<[string, unknown]> = [];
  try {
    scanRegistryFile(path, (key, value) => entries.push([key, value]), chunkBytes);
    return { entries };
  } catch (error) {
    return { error: String(error) };
  } finally {
    rmSync(path);
  }
}

/** What JSON.parse of the whole text gives, in the scan's terms (every key once, as the scan reports it last). */
function parsed(text: string): { entries: Array<[string, unknown]> } | { error: string } {
  try {
    const root: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    if (typeof root !== "object" || root === null || Array.isArray(root)) return { error: "not an object" };
    return { entries: Object.entries(root) };
  } catch (error) {
    return { error: String(error) };
  }
}

/** The scan's entries with a repeated key kept at its first place with its last value, as JSON.parse keeps it. */
function lastWins(got: ReturnType<typeof scanned>): ReturnType<typeof scanned> {
  if (!("entries" in got)) return got;
  const map = new Map<string, unknown>();
  for (const [k, v] of got.entries) map.set(k, v);
  return { entries: [...map] };
}

// keys JSON.parse would not move to the front (integer-like keys are ordered first by objects, not by the file)
const key = fc.string({ unit: "binary", maxLength: 12 }).map((k) => `k${k}`);
const registry = fc.dictionary(key, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });
const chunk = fc.constantFrom(1, 2, 3, 7, 64, 1 << 20);

describe("scanRegistryFile", () => {
  it("gives every entry JSON.parse of the whole file gives, in the file's order, whatever the chunk size", () => {
    fc.assert(
      fc.property(registry, fc.constantFrom(0, 2, "\t"), chunk, fc.boolean(), (object, indent, chunkBytes, bom) => {
        const text = `${bom ? "\ufeff" : ""}${JSON.stringify(object, null, indent)}\n`;
        const got = scanned(text, chunkBytes);
        expect(lastWins(got)).toEqual(parsed(text));
      }),
      { numRuns: 150 },
    );
  });

  it("throws wherever JSON.parse throws: cut anywhere (a half-written registry), or with a byte changed", () => {
    fc.assert(
      fc.property(registry, fc.nat(), fc.constantFrom("", "x", "}", "]", ",", '"', ":", "{", " ", "1"), chunk, (object, at, put, chunkBytes) => {
        const whole = JSON.stringify(object, null, 1);
        const cut = at % (whole.length + 1);
        const text = whole.slice(0, cut) + put + whole.slice(put === "" ? whole.length : cut + 1);
        const want = parsed(Buffer.from(text).toString()); // (as written: a surrogate cut in two becomes U+FFFD)
        const got = scanned(text, chunkBytes);
        if ("error" in want) expect(got).toHaveProperty("error");
        else expect(lastWins(got)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("reads keys and values with escapes and multi-byte characters split across chunks", () => {
    const object = { 'k"é\\': { sessionId: "ü\"\\\u2028😀", n: -1.5e3, t: true, z: null, a: [1, "}", "]", { "{": "[" }] }, k2: "x}", k3: 7, k4: [] };
    for (const chunkBytes of [1, 2, 3, 5]) expect(scanned(JSON.stringify(object), chunkBytes)).toEqual({ entries: Object.entries(object) });
  });

  it("says what is wrong: not an object, empty, ended early, trailing text", () => {
    expect(scanned("[1,2,3]", 64)).toEqual({ error: expect.stringMatching(/not a JSON object/) });
    expect(scanned("", 64)).toEqual({ error: expect.stringMatching(/empty/) });
    expect(scanned('{"a":{"sessionId":', 64)).toEqual({ error: expect.stringMatching(/ends early/) });
    expect(scanned('{"a":1} x', 64)).toEqual({ error: expect.stringMatching(/unexpected "x" at byte 8/) });
  });
});

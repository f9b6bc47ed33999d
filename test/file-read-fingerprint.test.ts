/**
 * A walk's page that extends a transcript's index fingerprints the transcript right after reading it:
 * through the descriptor that read used, not a second look-up of the path. That fingerprint describes
 * what the read read; any other fingerprint is taken through a descriptor checked anew (SECURITY.md, 5).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ListingFs } from "../src/sources/paths.js";
import { FileRead } from "../src/sources/transcript/file-read.js";
import { withoutTurns } from "../src/sources/transcript/turns.js";

let sessions: string;
let outside: string;
beforeEach(() => {
  sessions = realpathSync(mkdtempSync(join(tmpdir(), "print-sessions-")));
  outside = realpathSync(mkdtempSync(join(tmpdir(), "print-outside-")));
});
afterEach(() => {
  rmSync(sessions, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const OWN = `${"own line\n".repeat(40)}`;
const BAIT = `${"bait line\n".repeat(40)}`;

function readAll(read: FileRead): number {
  return [...withoutTurns(read.lines(0))].length;
}

describe("a transcript's fingerprint", () => {
  it("is the digest index files were written with: the first and last 64 bytes before the end, and the end", () => {
    const path = join(sessions, "m.jsonl");
    writeFileSync(path, OWN);
    const read = new FileRead(sessions, path, new ListingFs());
    const digest = (head: string, tail: string, at: number) => createHash("sha1").update(head).update(tail).update(String(at)).digest("base64url");
    expect(read.fingerprint(200)).toBe(digest(OWN.slice(0, 64), OWN.slice(136, 200), 200));
    expect(read.fingerprint(10)).toBe(digest(OWN.slice(0, 10), OWN.slice(0, 10), 10));
    // (past the end, as of a file cut shorter: what cannot be read counts as zero bytes)
    const past = OWN.length + 20;
    expect(read.fingerprint(past)).toBe(digest(OWN.slice(0, 64), OWN.slice(past - 64) + "\0".repeat(20), past));
  });
});

describe("a transcript's fingerprint right after a read", () => {
  it("is the fingerprint a fresh look at the file gives", () => {
    const path = join(sessions, "m.jsonl");
    writeFileSync(path, OWN);
    const read = new FileRead(sessions, path, new ListingFs());
    const fresh = read.fingerprint(OWN.length);
    expect(readAll(read)).toBe(40);
    expect(read.fingerprint(OWN.length, true)).toBe(fresh);
    expect(read.fingerprint(100, true)).toBe(read.fingerprint(100)); // (a second one looks the file up again)
  });

  it("describes the file the read read, even when the path was swapped for a link out since; other fingerprints see the swap", () => {
    const path = join(sessions, "m.jsonl");
    writeFileSync(path, OWN);
    writeFileSync(join(outside, "bait.jsonl"), BAIT);
    const read = new FileRead(sessions, path, new ListingFs());
    const own = read.fingerprint(OWN.length);
    expect(readAll(read)).toBe(40);
    symlinkSync(join(outside, "bait.jsonl"), `${path}.new`);
    renameSync(`${path}.new`, path);
    expect(read.fingerprint(OWN.length, true)).toBe(own);
    expect(read.fingerprint(OWN.length, true)).toBe("missing"); // no read since: looked up, and refused
    expect(read.fingerprint(OWN.length)).toBe("missing");
  });

  it("is taken anew when another read of the same file came between", () => {
    const path = join(sessions, "m.jsonl");
    writeFileSync(path, OWN);
    const read = new FileRead(sessions, path, new ListingFs());
    const other = new FileRead(sessions, path, new ListingFs());
    const own = read.fingerprint(OWN.length);
    expect(readAll(read)).toBe(40);
    expect(readAll(other)).toBe(40);
    writeFileSync(join(sessions, "new.tmp"), BAIT.slice(0, OWN.length));
    renameSync(join(sessions, "new.tmp"), path); // another file in its place: the kept descriptor is not lent again
    expect(read.fingerprint(OWN.length, true)).not.toBe(own);
  });
});

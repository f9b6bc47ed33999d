/**
 * A transcript's descriptor is kept open between reads (a walk reads one transcript page after page),
 * and lent again only while the path still names that very file and the file is still inside its root:
 * any swap that a fresh open would notice (SECURITY.md, 5) is noticed on a kept one too.
 */
import { appendFileSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, readSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { giveBack, lendAgain, takeOpen, type KeptFile } from "../src/sources/kept-open.js";

let root: string;
let outside: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "kept-root-")));
  outside = realpathSync(mkdtempSync(join(tmpdir(), "kept-outside-")));
  mkdirSync(join(root, "sessions"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(root, "sessions", name);
  writeFileSync(path, text);
  return path;
}

function textOf(file: KeptFile): string {
  const buffer = Buffer.alloc(file.info.size);
  readSync(file.fd, buffer, 0, buffer.length, 0);
  return buffer.toString();
}

/** Takes a file, reads it and gives it back; its descriptor and inode. */
function readOnce(path: string): { fd: number; ino: number; text: string } {
  const file = takeOpen(root, path)!;
  const text = textOf(file);
  giveBack(root, path, file);
  return { fd: file.fd, ino: file.info.ino, text };
}

/** The inode a descriptor holds now (undefined: closed). */
function inodeOf(fd: number): number | undefined {
  try {
    return fstatSync(fd).ino;
  } catch {
    return undefined;
  }
}

describe("a kept transcript descriptor", () => {
  it("is lent again to the next read of the same file", () => {
    const path = write("a.jsonl", "one\n");
    const first = readOnce(path);
    const again = takeOpen(root, path)!;
    expect(again.fd).toBe(first.fd);
    expect(textOf(again)).toBe("one\n");
    giveBack(root, path, again);
  });

  it("is not used for a file put in the path's place: that one is opened and read", () => {
    const path = write("a.jsonl", "old\n");
    const first = readOnce(path);
    writeFileSync(join(root, "sessions", "new.tmp"), "new one\n");
    renameSync(join(root, "sessions", "new.tmp"), path);
    const now = readOnce(path);
    expect(now.text).toBe("new one\n");
    expect(now.ino).not.toBe(first.ino);
    expect(inodeOf(first.fd)).not.toBe(first.ino); // the kept one was closed
  });

  it("is not used once the path is a link, and nothing is opened (as a fresh open refuses it)", () => {
    const path = write("a.jsonl", "own\n");
    readOnce(path);
    writeFileSync(join(outside, "bait.jsonl"), "bait\n");
    symlinkSync(join(outside, "bait.jsonl"), `${path}.new`);
    renameSync(`${path}.new`, path);
    expect(takeOpen(root, path)).toBeUndefined();
  });

  it("is not used once a directory above the file was moved out of the root and linked back", () => {
    const path = write("a.jsonl", "own\n");
    const first = readOnce(path);
    // the same file, still at the same path through the link, but no longer inside the root
    renameSync(join(root, "sessions"), join(outside, "sessions"));
    symlinkSync(join(outside, "sessions"), join(root, "sessions"));
    expect(takeOpen(root, path)).toBeUndefined();
    expect(inodeOf(first.fd)).not.toBe(first.ino);
  });

  it("is lent again unchecked only as the very file its read gave back, while no other read took it since", () => {
    const path = write("a.jsonl", "one\n");
    const file = takeOpen(root, path)!;
    giveBack(root, path, file);
    const again = lendAgain(root, path, file);
    expect(again).toBe(file);
    expect(lendAgain(root, path, file)).toBeUndefined(); // (lent: not kept until given back)
    giveBack(root, path, again!);
    const taken = takeOpen(root, path)!; // another read took it and gave it back: a new loan
    giveBack(root, path, taken);
    expect(lendAgain(root, path, file)).toBeUndefined();
    expect(lendAgain(root, path, taken)).toBe(taken);
    giveBack(root, path, taken);
  });

  it("is not lent again once closed, even when its descriptor's number was reused", () => {
    const paths = Array.from({ length: 6 }, (_, i) => write(`f${i}.jsonl`, `${i}\n`));
    const file = takeOpen(root, paths[0]!)!;
    giveBack(root, paths[0]!, file);
    for (const path of paths.slice(1)) readOnce(path); // (closes the least recently used beyond four)
    expect(lendAgain(root, paths[0]!, file)).toBeUndefined();
  });

  it("keeps what its last read fetched ahead only while the file is unchanged", () => {
    const path = write("a.jsonl", "one\ntwo\n");
    // (the check needs times finer than a second; a write lands on a whole second once in a while)
    for (let i = 0; (lstatSync(path).ctimeMs % 1000 === 0 || lstatSync(path).mtimeMs % 1000 === 0) && i < 10; i++) write("a.jsonl", "one\ntwo\n");
    const file = takeOpen(root, path)!;
    file.readAhead.at = 4;
    file.readAhead.bytes = Buffer.from("two\n");
    giveBack(root, path, file);
    const unchanged = takeOpen(root, path)!;
    expect(unchanged.readAhead.bytes?.toString()).toBe("two\n");
    giveBack(root, path, unchanged);
    appendFileSync(path, "three\n");
    const grown = takeOpen(root, path)!;
    expect(grown.fd).toBe(file.fd);
    expect(grown.readAhead.bytes).toBeUndefined();
    giveBack(root, path, grown);
  });

  it("is closed when more files than it keeps were read since, and when unused for a while", async () => {
    const paths = Array.from({ length: 6 }, (_, i) => write(`f${i}.jsonl`, `${i}\n`));
    const first = readOnce(paths[0]!);
    for (const path of paths.slice(1)) readOnce(path);
    expect(inodeOf(first.fd)).not.toBe(first.ino);
    const last = readOnce(paths[5]!);
    expect(inodeOf(last.fd)).toBe(last.ino);
    await sleep(4_500); // (closed by the sweep after 2 s unused; it runs every 2 s)
    expect(inodeOf(last.fd)).not.toBe(last.ino);
  });
});

import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** The file name in a cache dir for what `key` names (a transcript id, a registry path): fixed length, no path characters. */
export function cacheFileName(key: string): string {
  return `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`;
}

/**
 * Replaces a file in the cache dir whole: readers see the old copy or the new one, never half of one.
 * False when it cannot be written (a cache that cannot be written only costs speed).
 */
export function replaceCacheFile(path: string, pieces: Iterable<string>): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openNew(tmp);
    try {
      for (const piece of pieces) writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a directory that refuses the write may refuse this too: the file was never made
    }
    return false;
  }
}

/** Opens a new file for writing, making its directory first if it is missing (only then: a cache dir is made once, written often). */
function openNew(path: string): number {
  try {
    return openSync(path, "w", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return openSync(path, "w", 0o600);
  }
}

/**
 * The first line of a file (without its newline), read a chunk at a time: a header or a seek line
 * is had without reading the megabytes after it. Throws as readFileSync does.
 */
export function readFirstLine(path: string, chunkBytes = 64 * 1024): string {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const read = readSync(fd, chunk, 0, chunkBytes, null);
      const newline = chunk.subarray(0, read).indexOf(0x0a);
      chunks.push(chunk.subarray(0, newline >= 0 ? newline : read));
      if (newline >= 0 || read === 0) return Buffer.concat(chunks).toString("utf8");
    }
  } finally {
    closeSync(fd);
  }
}

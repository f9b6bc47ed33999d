import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from "node:fs";
import { dirname } from "node:path";

/** Files in the cache dir are opened without following a symlink, and never blocking (a planted FIFO). */
const NO_FOLLOW = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** The file name in a cache dir for what `key` names (a transcript id, a registry path): fixed length, no path characters. */
export function cacheFileName(key: string): string {
  return `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`;
}

/**
 * Replaces a file in the cache dir whole: readers see the old copy or the new one, never half of one.
 * False when it cannot be written (a cache that cannot be written only costs speed).
 */
export function replaceCacheFile(path: string, pieces: Iterable<string>): boolean {
  let tmp: { fd: number; path: string } | undefined;
  try {
    tmp = newCacheFile(path);
    try {
      for (const piece of pieces) writeAll(tmp.fd, piece);
    } finally {
      closeSync(tmp.fd);
    }
    renameSync(tmp.path, path); // (a symlink planted at `path` is replaced, never followed)
    return true;
  } catch {
    try {
      if (tmp) rmSync(tmp.path, { force: true });
    } catch {
      // a directory that refuses the write may refuse this too
    }
    return false;
  }
}

/**
 * A new temporary file beside `path`, made exclusively (never an existing file, nor through a symlink),
 * mode 0600; its directory is made first if it is missing (only then: a cache dir is made once, written often).
 */
export function newCacheFile(path: string): { fd: number; path: string } {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW;
  try {
    return { fd: openSync(tmp, flags, 0o600), path: tmp };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return { fd: openSync(tmp, flags, 0o600), path: tmp };
  }
}

export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

/** Opens a cache file for reading: a regular file, not through a symlink (`check` may refuse it further by its stat). */
function openCacheFile(path: string, check?: (info: Stats) => void): { fd: number; size: number } {
  const fd = openSync(path, constants.O_RDONLY | NO_FOLLOW);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "NOT_A_FILE" });
    check?.(info);
    return { fd, size: info.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** A cache file's bytes (as readFileSync, but see openCacheFile). */
export function readCacheFile(path: string, check?: (info: Stats) => void): Buffer {
  const { fd, size } = openCacheFile(path, check);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(64 * 1024, size + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, read));
      total += read;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The first line of a cache file (without its newline), read a chunk at a time: a header or a seek line
 * is had without reading the megabytes after it. Throws as readFileSync does.
 */
export function readFirstLine(path: string, chunkBytes = 64 * 1024): string {
  const { fd } = openCacheFile(path);
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

import { closeSync, lstatSync, type Stats } from "node:fs";
import { openConfined, stillConfined, type OpenedFile } from "./confined-open.js";
import type { ReadAhead } from "./transcript/line-reader.js";

/** A transcript open for reading (see openConfined), with what its last read fetched past its last line. */
export type KeptFile = OpenedFile & { readAhead: ReadAhead };

type Kept = { key: string; file: KeptFile; idleSince: number };

/** Descriptors kept: a walk's pages read one transcript, a follow's polls a few. */
const MAX_KEPT = 4;
/** A descriptor unused this long is closed (a transcript deleted meanwhile is then freed). */
const IDLE_MS = 2_000;

/** By root and real path, least recently used first; a kept descriptor is lent to one read at a time. */
const kept = new Map<string, Kept>();
let sweep: NodeJS.Timeout | undefined;

/**
 * A transcript opened and checked as `openConfined` does, for reading through its descriptor and then
 * giving back with `giveBack`. A walk reads the same transcript page after page, and opening it each
 * time (open, fstat, its real path, close) was a measurable part of a page: a descriptor given back is
 * kept open for a while, and lent again only if what the path names now is still that very file
 * (`lstat`, which follows no link at the last component: same device and inode, a regular file) and
 * the descriptor's own real path still lies inside the root. Otherwise it is closed and the path is
 * opened anew, checked as always. Its read-ahead is kept only while the file is unchanged.
 */
export function takeOpen(realRoot: string, realPath: string): KeptFile | undefined {
  const key = keyOf(realRoot, realPath);
  const entry = kept.get(key);
  if (entry) {
    kept.delete(key);
    const now = sameFileNow(entry.file, realRoot, realPath);
    if (now) {
      const unchanged = changeStamp(now);
      if (unchanged === undefined || unchanged !== changeStamp(entry.file.info)) entry.file.readAhead.bytes = undefined;
      return { fd: entry.file.fd, info: now, readAhead: entry.file.readAhead };
    }
    closeSync(entry.file.fd);
  }
  const opened = openConfined(realRoot, realPath);
  return opened && { ...opened, readAhead: { at: 0, bytes: undefined, chunkBytes: 0 } };
}

/** Gives back a file `takeOpen` lent: kept open for the next read of it (the least recently used one beyond MAX_KEPT is closed). */
export function giveBack(realRoot: string, realPath: string, file: KeptFile): void {
  const key = keyOf(realRoot, realPath);
  const other = kept.get(key); // (two reads of one file at once: the one given back last is kept)
  if (other) closeKept(other);
  kept.set(key, { key, file, idleSince: performance.now() });
  while (kept.size > MAX_KEPT) closeKept(kept.values().next().value!);
  sweep ??= setTimeout(closeIdle, IDLE_MS).unref();
}

/**
 * The very file a read just gave back, lent again without checking it anew, for a last look of the same
 * read (as if the read had gone on a moment longer); undefined once it was taken, replaced or closed since.
 */
export function lendAgain(realRoot: string, realPath: string, file: KeptFile): KeptFile | undefined {
  const key = keyOf(realRoot, realPath);
  if (kept.get(key)?.file !== file) return undefined;
  kept.delete(key);
  return file;
}

/** The file's metadata now, when the path still names the kept file and it is still confined. */
function sameFileNow(file: KeptFile, realRoot: string, realPath: string): Stats | undefined {
  let now: Stats | undefined;
  try {
    now = lstatSync(realPath, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (!now?.isFile() || now.dev !== file.info.dev || now.ino !== file.info.ino) return undefined;
  return stillConfined(realRoot, file.fd, realPath, now) ? now : undefined;
}

/**
 * What changes with every write to a file, when its times tell (sub-second: on a file system that keeps
 * whole seconds, a rewrite within the second would not show); undefined when they do not.
 */
function changeStamp(info: Stats): string | undefined {
  if (info.mtimeMs % 1000 === 0 || info.ctimeMs % 1000 === 0) return undefined;
  return `${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

function keyOf(realRoot: string, realPath: string): string {
  return `${realRoot}\0${realPath}`;
}

function closeKept(entry: Kept): void {
  kept.delete(entry.key);
  closeSync(entry.file.fd);
}

function closeIdle(): void {
  sweep = undefined;
  const before = performance.now() - IDLE_MS;
  for (const entry of [...kept.values()]) if (entry.idleSince <= before) closeKept(entry);
  if (kept.size > 0) sweep = setTimeout(closeIdle, IDLE_MS).unref();
}

import { closeSync, existsSync, futimesSync, lstatSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CacheDir } from "./cache-dir.js";
import { newCacheFile, readFirstLine, replaceCacheFile } from "./cache-file.js";
import { unsealedText, type CacheMac } from "./cache-mac.js";
import { ROLLUPS_VERSION } from "./index/index-store.js";
import { Rollups } from "./index/rollups.js";

/** How often a cache dir is looked through for files whose source is gone. */
export const PRUNE_EVERY_MS = 24 * 3600_000;
/** A temporary file this old was left by a process that died while writing it. */
const STALE_TMP_MS = 3600_000;
const STAMP = "pruned";

/**
 * Removes what the cache dir keeps for sources that are gone: the index and the rollup of a transcript
 * that was archived or deleted (a reset renames it; its session lives on under a new id), the copy of a
 * registry whose store was removed, temporary files of processes that died mid-write. Such files are
 * never read again, but each new count reads the rollups file whole, and months of sessions would
 * make it grow without end. Done at most once a day per cache dir (a stamp file's time says when);
 * a store that is only unmounted for a while loses its cache, which costs a rebuild, never a wrong
 * answer. Returns how many files and rollups were removed.
 */
export function pruneCache(cache: CacheDir, now = Date.now(), forget?: (gone: (id: string) => boolean) => void): number {
  const stamp = join(cache.root, STAMP);
  const last = lastPruned(cache.root, stamp);
  if (last === "no cache dir") return 0; // nothing cached yet
  if (last !== undefined && now - last.at < PRUNE_EVERY_MS) {
    if (!last.stamped) writeStamp(stamp, last.at);
    return 0;
  }
  if (!writeStamp(stamp, now)) return 0; // first: a failing sweep is not retried by every process
  forget?.(isSourceGone); // first: what a process holds in memory is not written back after the sweep
  return (
    pruneFiles(cache.indexes.dir, (header) => sourceOfIndex(header.id), now) +
    pruneFiles(cache.registries.dir, (header) => header.registry, now) +
    pruneRollups(cache.indexes.dir, cache.indexes.mac)
  );
}

/**
 * When the cache dir was last looked through: the stamp's time; without a stamp, when the dir was made
 * (a dir made within the day holds nothing a day old, and the process after the one that made it,
 * say the first query after `session-events index`, need not read every file in it).
 */
function lastPruned(root: string, stamp: string): { at: number; stamped: boolean } | "no cache dir" | undefined {
  try {
    const info = lstatSync(stamp); // (a symlink or anything else planted there is replaced by the next stamp)
    if (info.isFile()) return { at: info.mtimeMs, stamped: true };
    throw new Error("not a stamp");
  } catch {
    try {
      const made = statSync(root).birthtimeMs; // 0 where the file system does not keep it
      return made > 0 ? { at: made, stamped: false } : undefined;
    } catch {
      return "no cache dir";
    }
  }
}

/** Puts a new stamp file in place (made exclusively, then renamed over whatever had its name: nothing is written through a symlink). */
function writeStamp(stamp: string, at: number): boolean {
  let tmp: { fd: number; path: string } | undefined;
  try {
    tmp = newCacheFile(stamp);
    try {
      futimesSync(tmp.fd, at / 1000, at / 1000);
    } finally {
      closeSync(tmp.fd);
    }
    renameSync(tmp.path, stamp);
    return true;
  } catch {
    if (tmp) rmSync(tmp.path, { force: true });
    return false; // a cache dir that cannot be written is left alone
  }
}

/** How often a long-running process looks at the stamp (a stat) to see whether a prune is due. */
export const PRUNE_CHECK_EVERY_MS = 3600_000;

/**
 * Prunes from a process that runs for days (an MCP server) as well as at startup: each call looks at
 * the stamp at most once an hour, and a due prune first has `forget` drop what the process holds of
 * the sources that are gone.
 */
export function cachePruner(cache: CacheDir, forget: (gone: (id: string) => boolean) => void): (now?: number) => void {
  let checkedAt = Number.NEGATIVE_INFINITY;
  return (now = Date.now()) => {
    if (now - checkedAt < PRUNE_CHECK_EVERY_MS) return;
    checkedAt = now;
    pruneCache(cache, now, forget);
  };
}

/** Whether the source of an index id (a transcript file, or its agent database) is gone. */
function isSourceGone(id: string): boolean {
  const source = sourceOfIndex(id);
  return source !== undefined && !existsSync(source);
}

/** The file an index id stands for: a transcript file, or the agent database holding the transcript. */
function sourceOfIndex(id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  if (id.startsWith("file:")) return id.slice("file:".length);
  if (id.startsWith("sqlite:")) return id.slice("sqlite:".length, id.lastIndexOf("#"));
  return undefined;
}

/** Removes the cache files (`*.json`, a JSON header first) whose source file is gone, and stale temporary files. */
function pruneFiles(dir: string, sourceOf: (header: Record<string, unknown>) => unknown, now: number): number {
  let removed = 0;
  for (const name of namesIn(dir)) {
    const path = join(dir, name);
    try {
      if (name.endsWith(".tmp")) {
        if (now - statSync(path).mtimeMs > STALE_TMP_MS) removed += remove(path);
        continue;
      }
      if (!name.endsWith(".json")) continue;
      // (not authenticated: it only decides whether to delete one of our own cache files)
      const source = sourceOf(JSON.parse(unsealedText(readFirstLine(path, 4096))) as Record<string, unknown>);
      if (typeof source === "string" && !existsSync(source)) removed += remove(path);
    } catch {
      // unreadable or replaced meanwhile: its reader treats it as missing already
    }
  }
  return removed;
}

/**
 * Drops the rollups of transcripts that are gone (and damaged lines) from the rollups files, and the
 * files of older rollup formats whole (no reader of this version reads them).
 */
function pruneRollups(dir: string, mac: CacheMac): number {
  let removed = 0;
  for (const name of namesIn(dir)) {
    const version = /^rollups-v(\d+)\.jsonl$/.exec(name)?.[1];
    if (version === undefined) continue;
    const path = join(dir, name);
    if (Number(version) < ROLLUPS_VERSION) {
      removed += remove(path);
      continue;
    }
    const rollups = Rollups.read(path, mac);
    const dropped = rollups.forget(isSourceGone) + rollups.damaged;
    if (dropped > 0 && replaceCacheFile(path, rollups.lines(mac))) removed += dropped;
  }
  return removed;
}

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function remove(path: string): number {
  try {
    rmSync(path);
    return 1;
  } catch {
    return 0;
  }
}

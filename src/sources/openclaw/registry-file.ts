import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cacheFileName, replaceCacheFile } from "../cache-file.js";
import { asObject, type Json } from "../transcript/values.js";
import { slimEntry } from "./registry-entry.js";

export type RegistryRead = {
  /** Each entry with only the fields sessions are made from (registry-entry.ts ENTRY_FIELDS). */
  entries: Map<string, Json>;
  /** Set when this read failed and the last good copy was used instead. */
  stale?: string;
  /** Where the entries came from: the registry itself, this reader's copy, or the copy in the cache dir. */
  from: "registry" | "memory" | "cache";
};

type Copy = { signature: string; entries: Map<string, Json> };

/** The first line of a registry's copy in the cache dir (the second holds its slim entries). */
type SavedHeader = { v: 1; registry: string; signature: string };

const RETRIES = 3;
const RETRY_DELAY_MS = 15;

/**
 * Reads `sessions.json` registries. The gateway replaces them atomically, but on Windows rewrites them
 * in place, so a read can catch one half-written: retry, then fall back to the last good copy.
 * Copies keep only the fields sessions are made from, and are reused while the file is unchanged (same
 * inode, size, modification and change time): in memory, and, given a cache dir, in a file there, so a
 * new process lists a registry of many megabytes (real ones hold a skills snapshot per entry) without
 * parsing it, and still has a last good copy when the registry is caught half-written.
 */
export class RegistryFileReader {
  private readonly lastGood = new Map<string, Copy>();
  /** A registry that stayed broken through the retries, by its signature: not retried until it changes. */
  private readonly broken = new Map<string, { signature: string; error: string }>();

  constructor(
    /** Where copies of registries persist (never inside a store); undefined keeps them in memory only. */
    private readonly cacheDir?: string,
  ) {}

  async read(path: string): Promise<RegistryRead | undefined> {
    let lastError = "";
    let signature = "";
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAY_MS * attempt);
      try {
        // synchronous: a registry is read once per change, and one read costs less than the thread
        // pool's round trips (fs/promises reads a few MB in many chunks, each a trip)
        const info = statSync(path);
        signature = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
        const known = this.lastGood.get(path);
        if (known?.signature === signature) return { entries: known.entries, from: "memory" };
        const broken = this.broken.get(path);
        if (broken?.signature === signature) {
          lastError = broken.error;
          break; // the same broken file as last time: no point waiting for it again
        }
        const saved = known ? undefined : this.savedCopy(path, signature);
        if (saved) {
          this.lastGood.set(path, saved);
          return { entries: saved.entries, from: "cache" };
        }
        const entries = parseRegistry(readFileSync(path, "utf8"));
        this.lastGood.set(path, { signature, entries });
        this.broken.delete(path);
        this.save(path, signature, entries);
        return { entries, from: "registry" };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && !this.lastGood.has(path)) return undefined;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    if (signature) this.broken.set(path, { signature, error: lastError });
    const inMemory = this.lastGood.get(path);
    const fallback = inMemory ?? this.savedCopy(path);
    if (fallback) {
      this.lastGood.set(path, fallback);
      return { entries: fallback.entries, stale: lastError, from: inMemory ? "memory" : "cache" };
    }
    throw new Error(`cannot read session registry ${path}: ${lastError}`);
  }

  private copyPath(path: string): string | undefined {
    return this.cacheDir && join(this.cacheDir, cacheFileName(path));
  }

  /**
   * The copy a reader (in this process or an earlier one) left in the cache dir: with `signature`, only
   * if it has that one (its entries are not parsed otherwise: a busy registry changes often).
   */
  private savedCopy(path: string, signature?: string): Copy | undefined {
    const file = this.copyPath(path);
    if (!file || !existsSync(file)) return undefined;
    try {
      const text = readFileSync(file, "utf8");
      const newline = text.indexOf("\n");
      const header = JSON.parse(text.slice(0, newline)) as SavedHeader;
      if (header.v !== 1 || header.registry !== path || typeof header.signature !== "string") return undefined;
      if (signature !== undefined && header.signature !== signature) return undefined;
      const entries = asObject(JSON.parse(text.slice(newline + 1)));
      return entries && { signature: header.signature, entries: new Map(Object.entries(entries) as Array<[string, Json]>) };
    } catch {
      return undefined;
    }
  }

  private save(path: string, signature: string, entries: Map<string, Json>): void {
    const file = this.copyPath(path);
    if (!file) return;
    const header: SavedHeader = { v: 1, registry: path, signature };
    replaceCacheFile(file, [JSON.stringify(header), "\n", JSON.stringify(Object.fromEntries(entries))]);
  }
}

function parseRegistry(text: string): Map<string, Json> {
  const root = asObject(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  if (!root) throw new Error("registry is not a JSON object");
  const entries = new Map<string, Json>();
  for (const [key, value] of Object.entries(root)) {
    const entry = asObject(value);
    if (entry) entries.set(key, slimEntry(entry));
  }
  return entries;
}

import { existsSync, statSync, type Stats } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { asCacheArea, type CacheArea } from "../cache-dir.js";
import { cacheFileName } from "../cache-file.js";
import { readSealedFile, writeSealedFile } from "../sealed-file.js";
import { asObject, type Json } from "../transcript/values.js";
import { RegistryEntries, type Entry, type EntryQuery } from "./registry-entries.js";
import { slimEntry } from "./registry-entry.js";
import { scanRegistryFile } from "./registry-scan.js";

/** What `lookup` finds: the wanted entries of what `read` would give. */
export type RegistryLookup = Omit<RegistryRead, "entries"> & { entries: Entry[] };

export type RegistryRead = {
  /** Each entry with only the fields sessions are made from (registry-entry.ts ENTRY_FIELDS). */
  entries: Map<string, Json>;
  /** Set when this read failed and the last good copy was used instead. */
  stale?: string;
  /** Where the entries came from: the registry itself, this reader's copy, or the copy in the cache dir. */
  from: "registry" | "memory" | "cache";
};

/**
 * The first line of a registry's copy in the cache dir, sealed with the MAC of the whole copy (header
 * and the one line per slim entry that follows): a copy we did not write is never used.
 */
type SavedHeader = { v: 3; registry: string; signature: string };

const RETRIES = 3;
const RETRY_DELAY_MS = 15;

/**
 * Reads `sessions.json` registries. The gateway replaces them atomically, but on Windows rewrites them
 * in place, so a read can catch one half-written: retry, then fall back to the last good copy.
 * Copies keep only the fields sessions are made from, and are reused while the file is unchanged (same
 * inode, size, modification and change time): in memory, and, given a cache dir, in a file there, so a
 * new process lists a registry of many megabytes (real ones hold a skills snapshot per entry) without
 * parsing it, finds one key in it without parsing the other entries, and still has a last good copy
 * when the registry is caught half-written.
 */
export class RegistryFileReader {
  private readonly lastGood = new Map<string, RegistryEntries>();
  /** A registry that stayed broken through the retries, by its signature: not retried until it changes. */
  private readonly broken = new Map<string, { signature: string; error: string }>();
  /** Where copies of registries persist (never inside a store); undefined keeps them in memory only. */
  private readonly area: CacheArea | undefined;

  constructor(
    /** A vetted cache folder, or a folder to use as a cache dir of its own. */
    cacheDir?: string | CacheArea,
  ) {
    this.area = asCacheArea(cacheDir);
  }

  async read(path: string): Promise<RegistryRead | undefined> {
    let lastError = "";
    let signature = "";
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAY_MS * attempt);
      try {
        // synchronous: a registry is read once per change, and one read costs less than the thread
        // pool's round trips (fs/promises reads a few MB in many chunks, each a trip)
        signature = signatureOf(statSync(path));
        const known = this.lastGood.get(path);
        if (known?.signature === signature) return { entries: known.all(), from: "memory" };
        const broken = this.broken.get(path);
        if (broken?.signature === signature) {
          lastError = broken.error;
          break; // the same broken file as last time: no point waiting for it again
        }
        const saved = known ? undefined : this.parsed(this.savedCopy(path, signature));
        if (saved) {
          this.lastGood.set(path, saved);
          return { entries: saved.all(), from: "cache" };
        }
        const entries = RegistryEntries.of(signature, readRegistry(path));
        this.lastGood.set(path, entries);
        this.broken.delete(path);
        this.save(path, entries);
        return { entries: entries.all(), from: "registry" };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && !this.lastGood.has(path)) return undefined;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    if (signature) this.broken.set(path, { signature, error: lastError });
    const inMemory = this.lastGood.get(path);
    const fallback = inMemory ?? this.parsed(this.savedCopy(path));
    if (fallback) {
      this.lastGood.set(path, fallback);
      return { entries: fallback.all(), stale: lastError, from: inMemory ? "memory" : "cache" };
    }
    throw new Error(`cannot read session registry ${path}: ${lastError}`);
  }

  /**
   * The entries of the registry that `query` wants, as `read` would find them; from a saved copy of the
   * registry as it is now, only those entries' lines are parsed (a new process resolving one session
   * key among thousands).
   */
  async lookup(path: string, query: EntryQuery): Promise<RegistryLookup | undefined> {
    if (!this.lastGood.has(path)) {
      try {
        const saved = this.savedCopy(path, signatureOf(statSync(path)));
        // not kept: a damaged line elsewhere in the copy is only found by parsing all of it, as `read` does
        if (saved) return { entries: saved.find(query), from: "cache" };
      } catch {
        // no registry, or a copy that cannot be used: as `read` finds it
      }
    }
    const read = await this.read(path);
    return read && { ...read, entries: this.lastGood.get(path)!.find(query) };
  }

  /** A saved copy with its entries parsed, or undefined if they cannot be. */
  private parsed(copy: RegistryEntries | undefined): RegistryEntries | undefined {
    try {
      copy?.all();
      return copy;
    } catch {
      return undefined;
    }
  }

  private copyPath(path: string): string | undefined {
    return this.area && join(this.area.dir, cacheFileName(path));
  }

  /**
   * The copy a reader (in this process or an earlier one) left in the cache dir: with `signature`, only
   * if it has that one. Its entries are parsed only when asked for (a busy registry changes often, and
   * a lookup of one key reads only that key's line).
   */
  private savedCopy(path: string, signature?: string): RegistryEntries | undefined {
    const file = this.copyPath(path);
    if (!file || !existsSync(file)) return undefined;
    try {
      // the header alone first: a busy registry's copy is often stale, and then the rest is not wanted
      const read = readSealedFile<SavedHeader>(this.area!.mac, file, copyContext(file), (header) =>
        header.v === 3 && header.registry === path && typeof header.signature === "string" && (signature === undefined || header.signature === signature),
      );
      // kept as bytes: a lookup decodes only the lines it wants (a copy of thousands of entries is megabytes)
      return read && RegistryEntries.saved(read.header.signature, read.body);
    } catch {
      return undefined;
    }
  }

  private save(path: string, entries: RegistryEntries): void {
    const file = this.copyPath(path);
    if (!file) return;
    const header = JSON.stringify({ v: 3, registry: path, signature: entries.signature } satisfies SavedHeader);
    writeSealedFile(this.area!.mac, file, copyContext(file), header, () => RegistryEntries.savedLines(entries.all()));
  }
}

/** What the MAC of a registry copy is bound to: its file. */
function copyContext(file: string): string {
  return `registry copy ${basename(file)}`;
}

/** What tells one version of a registry file from another, even one rewritten in place with its size and mtime put back. */
function signatureOf(info: Stats): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

/** A registry's entries, slim: read as a stream, so neither the file nor its fat entries are ever held all at once. */
function readRegistry(path: string): Map<string, Json> {
  const entries = new Map<string, Json>();
  scanRegistryFile(path, (key, value) => {
    const entry = asObject(value);
    // (a key given twice keeps its first place and its last value, as JSON.parse does)
    if (entry) entries.set(key, slimEntry(entry));
    else entries.delete(key);
  });
  return entries;
}

import { readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { asObject, type Json } from "../transcript/values.js";

export type RegistryRead = {
  entries: Map<string, Json>;
  /** Set when this read failed and the last good copy was used instead. */
  stale?: string;
};

type Cached = { signature: string; entries: Map<string, Json> };

const RETRIES = 3;
const RETRY_DELAY_MS = 15;

/**
 * Reads `sessions.json` registries. The gateway replaces them atomically, but on Windows rewrites them
 * in place, so a read can catch one half-written: retry, then fall back to the last good copy.
 * Parsed copies are kept per path and reused while the file is unchanged.
 */
export class RegistryFileReader {
  private readonly lastGood = new Map<string, Cached>();
  /** A registry that stayed broken through the retries, by its signature: not retried until it changes. */
  private readonly broken = new Map<string, { signature: string; error: string }>();

  async read(path: string): Promise<RegistryRead | undefined> {
    let lastError = "";
    let signature = "";
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAY_MS * attempt);
      try {
        // synchronous: a registry is read once per change, and one read costs less than the thread
        // pool's round trips (fs/promises reads a few MB in many chunks, each a trip)
        const info = statSync(path);
        signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
        const cached = this.lastGood.get(path);
        if (cached?.signature === signature) return { entries: cached.entries };
        const known = this.broken.get(path);
        if (known?.signature === signature) {
          lastError = known.error;
          break; // the same broken file as last time: no point waiting for it again
        }
        const entries = parseRegistry(readFileSync(path, "utf8"));
        this.lastGood.set(path, { signature, entries });
        this.broken.delete(path);
        return { entries };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" && !this.lastGood.has(path)) return undefined;
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    if (signature) this.broken.set(path, { signature, error: lastError });
    const fallback = this.lastGood.get(path);
    if (fallback) return { entries: fallback.entries, stale: lastError };
    throw new Error(`cannot read session registry ${path}: ${lastError}`);
  }
}

function parseRegistry(text: string): Map<string, Json> {
  const root = asObject(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  if (!root) throw new Error("registry is not a JSON object");
  const entries = new Map<string, Json>();
  for (const [key, value] of Object.entries(root)) {
    const entry = asObject(value);
    if (entry) entries.set(key, entry);
  }
  return entries;
}

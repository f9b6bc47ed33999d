/**
 * The JSON text of huge payloads fetched by event id, shaped for one kind of caller, kept while the
 * caller fetches the rest of it part by part (a 50 MB payload comes in ~1,100 parts): redacting and
 * serializing it once per part would cost seconds per part. An entry is used only for the same
 * redactor and clearance and for a payload equal to the one it was made from (the event is read
 * afresh each time, so a transcript rewritten since is shaped anew). Bounded by characters, least
 * recently used first out, and emptied after a minute without use.
 */
import type { Redactor } from "../redact.js";

export type CachedPayload = { json: string; redacted: boolean; truncated: boolean };

type Entry = CachedPayload & { redactor?: Redactor; clearance: string; source: unknown; chars: number; timer?: NodeJS.Timeout };

/** Characters the cache may hold: the source payloads' and their JSON texts'. */
export const PAYLOAD_CACHE_CHARS = 160 * 1024 * 1024;
const IDLE_MS = 60_000;

const entries = new Map<string, Entry>();
let held = 0;
/** Payloads shaped (cache misses): for tests, which count work, not time. */
export const payloadCacheStats = { shaped: 0 };

export function cachedPayload(id: string, clearance: string, redactor: Redactor | undefined, source: unknown): CachedPayload | undefined {
  const entry = entries.get(id);
  if (!entry || entry.clearance !== clearance || entry.redactor !== redactor || !sameValue(entry.source, source)) return undefined;
  entries.delete(id);
  entries.set(id, entry); // most recently used last
  touch(id, entry);
  return entry;
}

export function keepPayload(id: string, clearance: string, redactor: Redactor | undefined, source: unknown, shaped: CachedPayload, sourceChars: number): void {
  const chars = sourceChars + shaped.json.length;
  if (chars > PAYLOAD_CACHE_CHARS) return;
  drop(id);
  while (held + chars > PAYLOAD_CACHE_CHARS && entries.size > 0) drop(entries.keys().next().value!);
  const entry: Entry = { ...shaped, redactor, clearance, source, chars };
  entries.set(id, entry);
  held += chars;
  touch(id, entry);
}

function touch(id: string, entry: Entry): void {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => entries.get(id) === entry && drop(id), IDLE_MS);
  entry.timer.unref();
}

function drop(id: string): void {
  const entry = entries.get(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  entries.delete(id);
  held -= entry.chars;
}

/** Deep equality of parsed JSON values (strings compared whole: fast, as memory compares). */
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || depth > 64) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** The characters of a payload's strings (keys included), to weigh what an entry holds. */
export function stringChars(value: unknown, depth = 0): number {
  if (typeof value === "string") return value.length;
  if (typeof value !== "object" || value === null || depth > 64) return 0;
  let n = 0;
  for (const [key, item] of Object.entries(value)) n += key.length + stringChars(item, depth + 1);
  return n;
}

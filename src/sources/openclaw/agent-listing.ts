import { existsSync } from "node:fs";
import { basename, join, sep } from "node:path";
import type { CacheArea } from "../cache-dir.js";
import { cacheFileName } from "../cache-file.js";
import { readSealedFile, writeSealedFile } from "../sealed-file.js";
import { statStamp } from "../listing-stamp.js";
import { isSafeFileName } from "../paths.js";
import type { Json } from "../transcript/values.js";
import { knownActivityOf } from "./registry-entry.js";

/** What kind of session a row is: a registry entry's transcript, a transcript the registry does not list, a reset or deleted one. */
export type RowKind = typeof REGISTERED | typeof UNREGISTERED | typeof ARCHIVED;
export const REGISTERED = 0;
export const UNREGISTERED = 1;
export const ARCHIVED = 2;

/**
 * One agent's sessions as its registry and its sessions dir gave them, compact: a column per field,
 * one row per session, in listing order. An entry (with its aliases' entries) is kept as JSON text,
 * parsed only for the sessions a query reads; its own bound on the session's activity is a column, so
 * sessions idle before a query's window are passed over without it.
 */
export type AgentRows = {
  kinds: RowKind[];
  /** The registry key as stored; null for a transcript the registry does not list. */
  storeKeys: Array<string | null>;
  sessionIds: string[];
  /** The transcript's path inside the sessions dir; "" for `<sessionId>.jsonl` (most are). */
  paths: string[];
  /** 1 when the sessions dir's listing holds the transcript (then it need not be looked for). */
  listed: number[];
  /** knownActivityOf the entry; null when it gives none. */
  activity: Array<number | null>;
  /** 1 when the entry has aliases (other keys naming its transcript). */
  aliased: number[];
  /**
   * The entry as JSON, or `[entry, aliases]` when it has aliases (each `[storeKey, entry]`), without
   * `sessionId` and `sessionFile` (columns already); "" for a transcript the registry does not list.
   */
  details: string[];
  warnings: string[];
};

export function emptyRows(): AgentRows {
  return { kinds: [], storeKeys: [], sessionIds: [], paths: [], listed: [], activity: [], aliased: [], details: [], warnings: [] };
}

export function addRow(
  rows: AgentRows,
  row: { kind: RowKind; storeKey: string | undefined; sessionId: string; path: string; listed: boolean; entry?: Json; aliases?: Array<[string, Json]> },
): void {
  rows.kinds.push(row.kind);
  rows.storeKeys.push(row.storeKey ?? null);
  rows.sessionIds.push(row.sessionId);
  rows.paths.push(row.path === `${row.sessionId}.jsonl` ? "" : row.path);
  rows.listed.push(row.listed ? 1 : 0);
  rows.activity.push(knownActivityOf(row.entry) ?? null);
  const aliased = (row.aliases?.length ?? 0) > 0;
  rows.aliased.push(aliased ? 1 : 0);
  const entry = row.entry && withoutFile(row.entry);
  rows.details.push(entry === undefined ? "" : JSON.stringify(aliased ? [entry, row.aliases!.map(([key, e]) => [key, withoutFile(e)])] : entry));
}

/** An entry without the fields that name its transcript (a row has them as columns, and sessions are not made of them). */
function withoutFile(entry: Json): Json {
  if (entry.sessionId === undefined && entry.sessionFile === undefined) return entry;
  const { sessionId: _id, sessionFile: _file, ...rest } = entry;
  return rest;
}

/** Where row `at`'s transcript is. */
export function transcriptPathAt(sessionsDir: string, rows: AgentRows, at: number): string {
  const inside = rows.paths[at]!;
  if (inside === "") return `${sessionsDir}${sep}${rows.sessionIds[at]!}.jsonl`;
  return isSafeFileName(inside) ? `${sessionsDir}${sep}${inside}` : join(sessionsDir, inside);
}

/** The first line of a listing's file, sealed with the MAC of the whole file. */
type SavedHeader = { v: 1; listing: string; registry: string; stamp: string };

/**
 * The stamp a listing of `sessionsDir` is kept under: its registry's and its own (a directory's times
 * move when a file in it is created, renamed or removed; a registry's when it is rewritten); undefined
 * when one of them changes so fast that no stamp of it can be trusted (see listing-stamp.ts).
 */
export function listingStamp(registryPath: string, sessionsDir: string): string | undefined {
  const stamp = statStamp([registryPath, sessionsDir]);
  return stamp.includes("racy") ? undefined : stamp;
}

/**
 * Listings of agents' sessions, reused while neither the registry nor the sessions dir changed: in
 * memory, and, given a cache dir, in a file there (beside the registry's copy), so a new process lists
 * thousands of sessions without reading the registry or the directory. A transcript appended to does
 * not change either, and needs no change here: a listing holds no transcript's size or time (a
 * session's last write is looked up per listing, as ever).
 */
export class AgentListings {
  private readonly memory = new Map<string, { stamp: string; rows: AgentRows }>();

  constructor(private readonly area: CacheArea | undefined) {}

  /** The listing of `sessionsDir` made when its registry and dir were as `stamp` (listingStamp) says, if one was kept. */
  get(sessionsDir: string, stamp: string): AgentRows | undefined {
    const known = this.memory.get(sessionsDir);
    if (known) {
      if (known.stamp === stamp) return known.rows;
      this.memory.delete(sessionsDir);
    }
    const saved = this.saved(sessionsDir, stamp);
    if (saved) this.memory.set(sessionsDir, { stamp, rows: saved });
    return saved;
  }

  set(sessionsDir: string, registryPath: string, stamp: string, rows: AgentRows): void {
    this.memory.set(sessionsDir, { stamp, rows });
    const file = this.fileOf(sessionsDir);
    if (!file) return;
    const header = JSON.stringify({ v: 1, listing: sessionsDir, registry: registryPath, stamp } satisfies SavedHeader);
    const { details, ...columns } = rows;
    const head = `\n${JSON.stringify(columns)}`;
    // (in chunks of about 64 KB: a write each)
    function* body(): Iterable<string> {
      let chunk = head;
      for (const line of details) {
        chunk += `\n${line}`;
        if (chunk.length >= 65536) {
          yield chunk;
          chunk = "";
        }
      }
      yield chunk;
    }
    writeSealedFile(this.area!.mac, file, contextOf(file), header, body);
  }

  private fileOf(sessionsDir: string): string | undefined {
    return this.area && join(this.area.dir, cacheFileName(`listing\n${sessionsDir}`));
  }

  private saved(sessionsDir: string, stamp: string): AgentRows | undefined {
    const file = this.fileOf(sessionsDir);
    if (!file || !existsSync(file)) return undefined;
    try {
      // the header alone first: a listing of another version of the registry or dir is not read further
      const read = readSealedFile<SavedHeader>(this.area!.mac, file, contextOf(file), (header) => header.v === 1 && header.listing === sessionsDir && header.stamp === stamp);
      if (!read) return undefined;
      const rest = read.body;
      // (the columns and the entries as two strings: the entries' lines are slices of theirs, which then
      // holds nothing else)
      const split = rest.indexOf(0x0a, 1);
      const columns = JSON.parse(rest.subarray(1, split < 0 ? rest.length : split).toString("utf8")) as Omit<AgentRows, "details">;
      const details = split < 0 ? [] : rest.subarray(split + 1).toString("utf8").split("\n");
      return wellFormed(columns, details) ? { ...columns, details } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** What the MAC of a listing file is bound to: its file. */
function contextOf(file: string): string {
  return `agent listing ${basename(file)}`;
}

/** Whether a listing read back has a value of the right kind in every place (it is ours, but of an older build, maybe). */
function wellFormed(columns: Omit<AgentRows, "details">, details: string[]): boolean {
  const n = details.length;
  const columnsOf = [columns.kinds, columns.storeKeys, columns.sessionIds, columns.paths, columns.listed, columns.activity, columns.aliased];
  return columnsOf.every((c) => Array.isArray(c) && c.length === n) && Array.isArray(columns.warnings);
}

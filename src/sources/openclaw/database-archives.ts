import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { TranscriptRead, TranscriptStamp } from "../session.js";
import type { RawLine } from "../transcript/transcript-events.js";
import { TURN, turnDue, withoutTurns, type Turn } from "../transcript/turns.js";
import { openAgentDb, type AgentDb } from "./agent-db.js";
import { SeqRead, type TranscriptRow } from "./transcript-rows.js";
import { zstdDecompress } from "./zstd.js";

/** An archive inflating past this is refused (OpenClaw's own cap on a cold archive is 64 MiB). */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

/** A reset or deleted transcript kept in session_transcript_archives (STORES.md §1b). */
export type ArchiveRow = { sessionId: string; generation: string; sessionKey: string; reason: string; createdAt?: number; version: string; tooLarge: boolean };
/** A window whose rows were moved to session_transcript_cold_archives. */
export type ColdRow = { sessionId: string; lastSeq: number; archivedAt?: number; problem?: string };

export function archiveRows(db: AgentDb): ArchiveRow[] {
  const rows = db
    .prepare(
      `SELECT session_id, generation, session_key, reason, encoding, created_at, archive_sha256, length(archive_blob) AS bytes
       FROM session_transcript_archives ORDER BY created_at DESC`,
    )
    .all() as Array<Record<string, unknown>>;
  const newest = new Map<string, ArchiveRow>();
  for (const row of rows) {
    const sessionId = typeof row.session_id === "string" ? row.session_id : undefined;
    if (!sessionId || typeof row.session_key !== "string" || newest.has(sessionId)) continue;
    newest.set(sessionId, {
      sessionId,
      generation: String(row.generation),
      sessionKey: row.session_key,
      reason: String(row.reason),
      createdAt: typeof row.created_at === "number" ? row.created_at : undefined,
      version: `${row.generation}:${row.archive_sha256 ?? ""}:${row.created_at}:${row.bytes}`,
      tooLarge: row.encoding === "identity" && Number(row.bytes) > MAX_ARCHIVE_BYTES,
    });
  }
  return [...newest.values()];
}

export function coldRows(db: AgentDb, dbPath: string): Map<string, ColdRow> {
  const rows = db
    .prepare("SELECT session_id, archive_name, storage, last_seq, raw_bytes, archived_at FROM session_transcript_cold_archives")
    .all() as Array<Record<string, unknown>>;
  const cold = new Map<string, ColdRow>();
  for (const row of rows) {
    if (typeof row.session_id !== "string" || typeof row.last_seq !== "number") continue;
    let problem: string | undefined;
    if (Number(row.raw_bytes) > MAX_ARCHIVE_BYTES) problem = `cold archive of ${row.session_id} is ${row.raw_bytes} bytes, past the ${MAX_ARCHIVE_BYTES} read`;
    else if (row.storage === "file") {
      const file = coldArchiveFile(dbPath, String(row.archive_name));
      if (!file || !existsSync(file)) problem = `cold archive file ${String(row.archive_name)} of ${row.session_id} is missing`;
    }
    cold.set(row.session_id, { sessionId: row.session_id, lastSeq: row.last_seq, archivedAt: typeof row.archived_at === "number" ? row.archived_at : undefined, problem });
  }
  return cold;
}

/**
 * Where OpenClaw writes a cold archive of storage 'file': `<agent>/sessions/cold/<sha256>.jsonl.zst`
 * beside `<agent>/agent/openclaw-agent.sqlite` (its session artifact directory); undefined for any other name.
 */
export function coldArchiveFile(dbPath: string, name: string): string | undefined {
  if (!/^[a-f0-9]{64}\.jsonl\.zst$/.test(name)) return undefined;
  const dir = dirname(dbPath);
  const artifacts = basename(dir) === "agent" ? join(dirname(dir), "sessions") : dir;
  return join(artifacts, "cold", name);
}

/** A cold window read by seq as if its rows were in transcript_events; the archive is inflated once per read. */
export class ColdRead extends SeqRead {
  private loaded?: TranscriptRow[];

  protected *rows(from: number, to: number): Generator<TranscriptRow> {
    for (const row of this.load()) if (row.seq >= from && row.seq < to) yield row;
  }

  end(): number {
    const rows = this.load();
    return rows.length === 0 ? 0 : rows[rows.length - 1]!.seq + 1;
  }

  protected edgeRows(before: number) {
    const rows = this.load();
    return { first: rows[0], last: rows.filter((r) => r.seq < before).pop() };
  }

  private load(): TranscriptRow[] {
    this.loaded ??= this.decode();
    return this.loaded;
  }

  /** The event records of the archive, by seq; an archive that cannot be read gives one unreadable line. */
  private decode(): TranscriptRow[] {
    try {
      const row = query(this.path, (db) =>
        db.prepare("SELECT archive_name, storage, archive_blob, last_seq FROM session_transcript_cold_archives WHERE session_id = ?").get(this.sessionId),
      ) as { archive_name: string; storage: string; archive_blob: Uint8Array | null; last_seq: number } | undefined;
      if (!row) return [];
      let bytes: Uint8Array | null = row.archive_blob;
      if (row.storage === "file") {
        const file = coldArchiveFile(this.path, row.archive_name);
        bytes = file && lstatSync(file).isFile() ? readFileSync(file) : null;
      }
      if (!bytes) return [{ seq: row.last_seq, text: "" }];
      const rows: TranscriptRow[] = [];
      for (const line of zstdDecompress(bytes, MAX_ARCHIVE_BYTES).toString("utf8").split("\n")) {
        if (!line.includes('"event"')) continue;
        try {
          const record = JSON.parse(line) as { kind?: unknown; row?: { seq?: unknown; event_json?: unknown; created_at?: unknown } };
          if (record.kind !== "event" || typeof record.row?.seq !== "number") continue;
          rows.push({
            seq: record.row.seq,
            text: typeof record.row.event_json === "string" ? record.row.event_json : "",
            createdAt: typeof record.row.created_at === "number" ? record.row.created_at : undefined,
          });
        } catch {
          // a record that is not JSON: not an event
        }
      }
      return rows.sort((a, b) => a.seq - b.seq);
    } catch {
      return [{ seq: 0, text: "" }];
    }
  }
}

/**
 * A reset or deleted transcript from session_transcript_archives: its JSONL bytes (inflated once per
 * read), read by byte offset as the `.reset`/`.deleted` file it stands for would be.
 */
export class ArchiveRead implements TranscriptRead {
  readonly id: string;
  private bytes?: Buffer;
  private furthest = 0;

  constructor(
    private readonly path: string,
    private readonly archive: ArchiveRow,
  ) {
    this.id = `sqlite-archive:${path}#${archive.sessionId}:${archive.generation}`;
  }

  *lines(from = 0, to = Number.MAX_SAFE_INTEGER): Generator<RawLine | Turn> {
    const bytes = this.load();
    let at = from;
    while (at < bytes.length && at < to) {
      const newline = bytes.indexOf(10, at);
      const next = newline < 0 ? bytes.length : newline + 1;
      const text = bytes.toString("utf8", at, newline < 0 ? bytes.length : newline);
      this.furthest = Math.max(this.furthest, next);
      yield { text, bytes: next - at, at, next, complete: true };
      if (turnDue(next - at)) yield TURN;
      at = next;
    }
  }

  readThrough(next: number): void {
    this.furthest = Math.max(this.furthest, next);
  }

  grown(): boolean {
    return this.end() > this.furthest;
  }

  end(): number {
    return this.load().length;
  }

  stamp(): TranscriptStamp {
    return { end: this.end(), holder: this.version(), changed: this.archive.version, changedTells: true };
  }

  /** Archives are written once: the row's generation, digest, time and size tell one from another. */
  version(): string {
    let ino = "missing";
    try {
      ino = String(statSync(this.path).ino);
    } catch {
      // gone
    }
    return `${ino}:${this.archive.version}`;
  }

  firstLine(): string | undefined {
    for (const line of withoutTurns(this.lines(0))) return line.text;
    return undefined;
  }

  fingerprint(at: number): string {
    return createHash("sha1").update(this.load().subarray(0, at)).update(String(at)).digest("base64url");
  }

  private load(): Buffer {
    this.bytes ??= this.decode();
    return this.bytes;
  }

  /** An archive that cannot be read is one unreadable line (counted as skipped), never a crash. */
  private decode(): Buffer {
    try {
      const row = query(this.path, (db) =>
        db.prepare("SELECT encoding, archive_blob FROM session_transcript_archives WHERE session_id = ? AND generation = ?").get(this.archive.sessionId, this.archive.generation),
      ) as { encoding: string; archive_blob: Uint8Array } | undefined;
      if (!row) return Buffer.alloc(0);
      if (row.encoding === "zstd") return zstdDecompress(row.archive_blob, MAX_ARCHIVE_BYTES);
      if (row.archive_blob.length > MAX_ARCHIVE_BYTES) return Buffer.from("\n");
      return Buffer.from(row.archive_blob);
    } catch {
      return Buffer.from("\n");
    }
  }
}

function query<T>(path: string, run: (db: AgentDb) => T): T {
  const db = openAgentDb(path);
  try {
    return run(db);
  } finally {
    db.close();
  }
}

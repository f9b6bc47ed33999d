import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { TranscriptRead, TranscriptStamp } from "../session.js";
import type { RawLine } from "../transcript/transcript-events.js";
import { TURN, turnDue, withoutTurns, type Turn } from "../transcript/turns.js";
import { openAgentDb, type AgentDb } from "./agent-db.js";
import { zstdDecompress } from "./zstd.js";

const BATCH_ROWS = 512;
/** OpenClaw keeps a compressed line to 4 MiB (a CHECK on event_utf8_bytes); anything past twice that is refused. */
const MAX_ROW_BYTES = 8 * 1024 * 1024;

/** A transcript_events row as read: the line's text, "" when it cannot be read (counted as a skipped line). */
export type TranscriptRow = { seq: number; text: string; createdAt?: number };
type DbRow = { seq: number; event_json?: unknown; event_zstd?: unknown };

/** The columns to select for a row's line: event_json, and event_zstd where the schema has it. */
export function rowColumns(compressed: boolean): string {
  return compressed ? "seq, event_json, event_zstd, created_at" : "seq, event_json, created_at";
}

/** One line of 1a from a row: event_json, else its compressed form (STORES.md §1b); "" when neither reads. */
export function rowText(row: { event_json?: unknown; event_zstd?: unknown }): string {
  if (typeof row.event_json === "string") return row.event_json;
  if (row.event_zstd instanceof Uint8Array) {
    try {
      return zstdDecompress(row.event_zstd, MAX_ROW_BYTES).toString("utf8");
    } catch {
      return "";
    }
  }
  return "";
}

/**
 * Positions, stamp and fingerprint of a transcript read by row seq, the same whether its rows are in
 * transcript_events or in a cold archive: a window that goes cold keeps its index.
 */
export abstract class SeqRead implements TranscriptRead {
  readonly id: string;
  private lastSeq = Number.MIN_SAFE_INTEGER;

  constructor(
    protected readonly path: string,
    protected readonly sessionId: string,
  ) {
    this.id = `sqlite:${path}#${sessionId}`;
  }

  protected abstract rows(from: number, to: number): Generator<TranscriptRow>;
  /** The last row before `before` (any, when undefined), and the first row. */
  protected abstract edgeRows(before: number): { first?: TranscriptRow; last?: TranscriptRow };
  abstract end(): number;

  *lines(from = Number.MIN_SAFE_INTEGER, to = Number.MAX_SAFE_INTEGER): Generator<RawLine | Turn> {
    for (const row of this.rows(from, to)) {
      this.lastSeq = Math.max(this.lastSeq, row.seq);
      const bytes = Buffer.byteLength(row.text) + 1;
      yield { text: row.text, bytes, at: row.seq, next: row.seq + 1 };
      if (turnDue(bytes)) yield TURN;
    }
  }

  readThrough(next: number): void {
    this.lastSeq = Math.max(this.lastSeq, next - 1);
  }

  grown(): boolean {
    return this.end() > this.lastSeq + 1;
  }

  stamp(): TranscriptStamp {
    // rows are only ever added, so the end tells what changed, but for another database put in place of
    // this one (a restored copy)
    return { end: this.end(), holder: this.holder(), changed: "" };
  }

  version(): string {
    return `${this.holder()}:${this.end()}`;
  }

  firstLine(): string | undefined {
    for (const line of withoutTurns(this.lines())) return line.text;
    return undefined;
  }

  fingerprint(at: number): string {
    const { first, last } = this.edgeRows(at);
    const edge = (row?: TranscriptRow) => (row ? [row.seq, row.text] : null);
    return createHash("sha1").update(JSON.stringify([edge(first), edge(last), at])).digest("base64url");
  }

  /** The database file's inode ("missing" when it is gone). */
  protected holder(): string {
    try {
      return String(statSync(this.path).ino);
    } catch {
      return "missing";
    }
  }
}

/** A transcript's rows in transcript_events by seq, fetched in short batches so no read transaction stays open. */
export class DatabaseRead extends SeqRead {
  constructor(
    path: string,
    sessionId: string,
    private readonly compressed: boolean,
  ) {
    super(path, sessionId);
  }

  protected *rows(from: number, to: number): Generator<TranscriptRow> {
    const db = openAgentDb(this.path);
    try {
      const batch = db.prepare(
        `SELECT ${rowColumns(this.compressed)} FROM transcript_events WHERE session_id = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ?`,
      );
      let next = from;
      for (;;) {
        const rows = batch.all(this.sessionId, next, to, BATCH_ROWS) as DbRow[];
        for (const row of rows) yield { seq: row.seq, text: rowText(row) };
        if (rows.length < BATCH_ROWS) return;
        next = rows[rows.length - 1]!.seq + 1;
      }
    } finally {
      db.close();
    }
  }

  end(): number {
    return this.query((db) => {
      const row = db.prepare("SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?").get(this.sessionId) as { seq: number | null };
      return row.seq === null ? 0 : row.seq + 1;
    });
  }

  protected edgeRows(before: number) {
    return this.query((db) => {
      const columns = rowColumns(this.compressed);
      const first = db.prepare(`SELECT ${columns} FROM transcript_events WHERE session_id = ? ORDER BY seq LIMIT 1`).get(this.sessionId) as
        | DbRow
        | undefined;
      const last = db
        .prepare(`SELECT ${columns} FROM transcript_events WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1`)
        .get(this.sessionId, before) as DbRow | undefined;
      const row = (r?: DbRow) => (r ? { seq: r.seq, text: rowText(r) } : undefined);
      return { first: row(first), last: row(last) };
    });
  }

  private query<T>(run: (db: AgentDb) => T): T {
    const db = openAgentDb(this.path);
    try {
      return run(db);
    } finally {
      db.close();
    }
  }
}

/** When the transcript's last row was written (rows are stamped by the gateway as it inserts them). */
export function lastRowTime(path: string, sessionId: string): number | undefined {
  const db = openAgentDb(path);
  try {
    const row = db.prepare("SELECT created_at AS t FROM transcript_events WHERE session_id = ? ORDER BY seq DESC LIMIT 1").get(sessionId) as
      | { t?: number }
      | undefined;
    return typeof row?.t === "number" ? row.t : undefined;
  } finally {
    db.close();
  }
}

/**
 * Writes OpenClaw agent databases (STORES.md §1b) for fixtures, the sample store and benchmarks. The
 * tables and column names follow OpenClaw's own schema (src/state/openclaw-agent-schema.sql), reduced
 * to the columns this project reads. Never used against a real store: the product only reads.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session_nodes (
  session_key TEXT NOT NULL PRIMARY KEY,
  current_session_id TEXT NOT NULL,
  entry_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  status TEXT,
  created_at INTEGER,
  parent_session_key TEXT,
  spawned_by TEXT,
  label TEXT,
  display_name TEXT,
  last_activity_at INTEGER,
  archived_at INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS session_windows (
  session_id TEXT NOT NULL PRIMARY KEY,
  session_key TEXT NOT NULL,
  previous_session_id TEXT,
  reason TEXT CHECK (reason IS NULL OR reason IN ('initial', 'reset', 'rollover', 'fork', 'rewind', 'switch', 'recovery', 'compaction')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  status TEXT,
  channel TEXT,
  model_provider TEXT,
  model TEXT,
  parent_session_key TEXT,
  spawned_by TEXT,
  display_name TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS transcript_events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) STRICT;
`;

export type SessionNode = { key: string; entry: Record<string, unknown> };
export type SessionWindow = {
  sessionId: string;
  key: string;
  previousSessionId?: string;
  reason?: string;
  createdAt: number;
  updatedAt: number;
  status?: string;
  endedAt?: number;
};

/** A writable agent database; WAL mode like the gateway's. Close it to checkpoint (removes -wal/-shm). */
export class AgentDatabaseWriter {
  readonly db: Database.Database;

  constructor(path: string, options: { wal?: boolean } = {}) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    if (options.wal !== false) this.db.pragma("journal_mode = WAL");
    this.db.exec(SCHEMA);
  }

  node({ key, entry }: SessionNode): void {
    const num = (v: unknown) => (typeof v === "number" ? v : null);
    const str = (v: unknown) => (typeof v === "string" ? v : null);
    this.db
      .prepare(
        `INSERT OR REPLACE INTO session_nodes (session_key, current_session_id, entry_json, updated_at, status, created_at,
           parent_session_key, spawned_by, label, display_name, last_activity_at, archived_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key,
        String(entry.sessionId),
        JSON.stringify(entry),
        num(entry.updatedAt) ?? 0,
        str(entry.status),
        num(entry.startedAt),
        str(entry.parentSessionKey),
        str(entry.spawnedBy),
        str(entry.label),
        str(entry.displayName),
        num(entry.lastActivityAt),
        num(entry.archivedAt),
      );
  }

  window(w: SessionWindow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO session_windows (session_id, session_key, previous_session_id, reason, created_at, updated_at, status, ended_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(w.sessionId, w.key, w.previousSessionId ?? null, w.reason ?? "initial", w.createdAt, w.updatedAt, w.status ?? null, w.endedAt ?? null);
  }

  /** Appends transcript lines (exact JSON text) after the session's last seq; returns the next seq. */
  append(sessionId: string, lines: readonly string[], createdAt: (line: string, index: number) => number = () => Date.now()): number {
    const last = this.db.prepare("SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?").get(sessionId) as { seq: number | null };
    let seq = (last.seq ?? -1) + 1;
    const insert = this.db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      lines.forEach((line, i) => insert.run(sessionId, seq++, line, createdAt(line, i)));
    })();
    return seq;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Writes OpenClaw agent databases (STORES.md §1b) for fixtures, the sample store and benchmarks. The
 * tables and column names follow OpenClaw's own schema (src/state/openclaw-agent-schema.sql), reduced
 * to the columns this project reads. Never used against a real store: the product only reads.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
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

/** The newer schema's transcript rows (a line may be zstd-compressed) and archive tables. */
const NEWER_EVENTS = `
CREATE TABLE IF NOT EXISTS transcript_events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_json TEXT,
  created_at INTEGER NOT NULL,
  event_zstd BLOB,
  event_utf8_bytes INTEGER CHECK (event_utf8_bytes IS NULL OR event_utf8_bytes >= 0),
  navigation_json TEXT,
  PRIMARY KEY (session_id, seq),
  CHECK ((event_json IS NOT NULL AND event_zstd IS NULL) OR (event_json IS NULL AND event_zstd IS NOT NULL AND event_utf8_bytes IS NOT NULL AND navigation_json IS NOT NULL))
) STRICT;
CREATE TABLE IF NOT EXISTS session_transcript_archives (
  session_id TEXT NOT NULL,
  generation TEXT NOT NULL,
  session_key TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('deleted', 'reset')),
  encoding TEXT NOT NULL CHECK (encoding IN ('identity', 'zstd')),
  archive_blob BLOB NOT NULL,
  archive_sha256 TEXT NOT NULL CHECK (length(archive_sha256) = 64),
  archive_name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, generation)
) STRICT;
CREATE TABLE IF NOT EXISTS session_transcript_cold_archives (
  session_id TEXT NOT NULL PRIMARY KEY,
  generation TEXT NOT NULL,
  archive_name TEXT NOT NULL UNIQUE,
  archive_sha256 TEXT NOT NULL CHECK (length(archive_sha256) = 64),
  event_count INTEGER NOT NULL CHECK (event_count >= 1),
  raw_bytes INTEGER NOT NULL CHECK (raw_bytes >= 0),
  archive_bytes INTEGER NOT NULL CHECK (archive_bytes >= 0),
  last_seq INTEGER NOT NULL,
  archived_at INTEGER NOT NULL,
  storage TEXT NOT NULL CHECK (storage IN ('file', 'sqlite')),
  archive_blob BLOB,
  CHECK ((storage = 'file' AND archive_blob IS NULL) OR (storage = 'sqlite' AND archive_blob IS NOT NULL))
) STRICT;
`;

/** OpenClaw's older layout (openclaw/openclaw @ b8a49978, src/state/openclaw-agent-schema.sql), reduced. */
const OLD_SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT NOT NULL PRIMARY KEY, session_key TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  started_at INTEGER, ended_at INTEGER, status TEXT, chat_type TEXT, channel TEXT, model_provider TEXT, model TEXT,
  agent_harness_id TEXT, parent_session_key TEXT, spawned_by TEXT, display_name TEXT
);
CREATE TABLE IF NOT EXISTS session_entries (
  session_key TEXT NOT NULL PRIMARY KEY, session_id TEXT NOT NULL, entry_json TEXT NOT NULL, updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transcript_events (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (session_id, seq)
);
`;

/** A zstd compressor (Node 20 has none: tests use the zstd CLI). */
export type Compress = (bytes: Buffer) => Buffer;

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

  readonly layout: "reduced" | "newer" | "old";

  /** `layout`: "reduced" (the columns read, NOT NULL event_json), "newer" (compressed rows, archives), "old" (sessions + session_entries). */
  constructor(path: string, options: { wal?: boolean; layout?: "reduced" | "newer" | "old" } = {}) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.layout = options.layout ?? "reduced";
    if (options.wal !== false) this.db.pragma("journal_mode = WAL");
    if (this.layout === "old") this.db.exec(OLD_SCHEMA);
    else this.db.exec(this.layout === "newer" ? SCHEMA.replace(/CREATE TABLE IF NOT EXISTS transcript_events[\s\S]*$/, NEWER_EVENTS) : SCHEMA);
  }

  node({ key, entry }: SessionNode): void {
    if (this.layout === "old") {
      this.db
        .prepare("INSERT OR REPLACE INTO session_entries (session_key, session_id, entry_json, updated_at) VALUES (?, ?, ?, ?)")
        .run(key, String(entry.sessionId), JSON.stringify(entry), typeof entry.updatedAt === "number" ? entry.updatedAt : 0);
      return;
    }
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
    if (this.layout === "old") {
      this.db
        .prepare("INSERT OR REPLACE INTO sessions (session_id, session_key, created_at, updated_at, status, ended_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(w.sessionId, w.key, w.createdAt, w.updatedAt, w.status ?? null, w.endedAt ?? null);
      return;
    }
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

  /** Stores the rows `which` picks zstd-compressed, as newer OpenClaw stores large lines (layout "newer"). */
  compressRows(which: (sessionId: string, seq: number, line: string) => boolean, compress: Compress): number {
    const rows = this.db.prepare("SELECT session_id, seq, event_json FROM transcript_events WHERE event_json IS NOT NULL").all() as Array<{ session_id: string; seq: number; event_json: string }>;
    const update = this.db.prepare(
      "UPDATE transcript_events SET event_json = NULL, event_zstd = ?, event_utf8_bytes = ?, navigation_json = ? WHERE session_id = ? AND seq = ?",
    );
    let count = 0;
    for (const row of rows) {
      if (!which(row.session_id, row.seq, row.event_json)) continue;
      const bytes = Buffer.from(row.event_json);
      update.run(compress(bytes), bytes.length, JSON.stringify({ version: 1 }), row.session_id, row.seq);
      count++;
    }
    return count;
  }

  /** Moves a transcript's rows into session_transcript_cold_archives (storage "sqlite", or "file" written to `file(name)`). */
  coldArchive(sessionId: string, compress: Compress, options: { storage?: "sqlite" | "file"; file?: (name: string) => string; archivedAt?: number } = {}): void {
    const rows = this.db.prepare("SELECT seq, event_json, event_zstd, created_at FROM transcript_events WHERE session_id = ? ORDER BY seq").all(sessionId) as Array<{
      seq: number;
      event_json: string | null;
      event_zstd: Buffer | null;
      created_at: number;
    }>;
    const events = rows.map((r) => ({ seq: r.seq, event_json: r.event_json ?? decompressWithCli(r.event_zstd!), created_at: r.created_at }));
    const records = [
      { kind: "header", version: 1, sessionId, generation: `g-${sessionId}` },
      ...events.map((row) => ({ kind: "event", row })),
      { kind: "index", row: { indexed_seq: events.at(-1)!.seq, leaf_event_id: null, needs_rebuild: 0, active_event_count: events.length, active_message_count: 0, updated_at: 0 } },
    ];
    const blob = compress(Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join("")));
    const sha = createHash("sha256").update(blob).digest("hex");
    const name = `${sha}.jsonl.zst`;
    const storage = options.storage ?? "sqlite";
    if (storage === "file") {
      const path = options.file!(name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, blob);
    }
    const raw = events.reduce((sum, e) => sum + Buffer.byteLength(e.event_json), 0) + events.length - 1;
    this.db
      .prepare(
        `INSERT INTO session_transcript_cold_archives (session_id, generation, archive_name, archive_sha256, event_count, raw_bytes, archive_bytes, last_seq, archived_at, storage, archive_blob)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(sessionId, `g-${sessionId}`, name, sha, events.length, raw, blob.length, events.at(-1)!.seq, options.archivedAt ?? Date.now(), storage, storage === "sqlite" ? blob : null);
    this.db.prepare("DELETE FROM transcript_events WHERE session_id = ?").run(sessionId);
  }

  /** A reset or deleted transcript kept in session_transcript_archives (JSONL bytes, maybe compressed). */
  archive(a: { sessionId: string; key: string; reason: "reset" | "deleted"; jsonl: Buffer; createdAt: number; compress?: Compress }): void {
    const blob = a.compress ? a.compress(a.jsonl) : a.jsonl;
    const sha = createHash("sha256").update(blob).digest("hex");
    this.db
      .prepare(
        `INSERT INTO session_transcript_archives (session_id, generation, session_key, reason, encoding, archive_blob, archive_sha256, archive_name, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.sessionId, `g-${a.sessionId}`, a.key, a.reason, a.compress ? "zstd" : "identity", blob, sha, `${a.sessionId}.jsonl.${a.reason}.${a.createdAt}`, a.createdAt);
  }

  close(): void {
    this.db.close();
  }
}

function decompressWithCli(bytes: Buffer): string {
  return execFileSync("zstd", ["-d", "-c"], { input: bytes }).toString("utf8");
}

/**
 * Builds the SQLite variants of SOURCES.md ("SQLite variants") in temp state dirs from the real
 * excerpts' lines, read where they are (../shared/realdata/stores), never copied into the project.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AgentDatabaseWriter } from "../../scripts/agent-database.js";
import { agentDatabasePathIn } from "./fixture-sessions.js";
import type { TempStateDir } from "./temp-store.js";

import { HAVE_REALDATA, REALDATA_SKIP_REASON, REALDATA_STORES } from "./realdata.js";

export const REAL_STORES = REALDATA_STORES;
export const HAVE_REAL = HAVE_REALDATA;
export const SKIP_REAL = HAVE_REAL ? "" : REALDATA_SKIP_REASON;

/** zstd level 1 through the CLI (Node 20 has no compressor); a clear message when the CLI is missing. */
export function zstdCli(bytes: Buffer): Buffer {
  try {
    return execFileSync("zstd", ["-1", "-c"], { input: bytes });
  } catch (error) {
    throw new Error(`these tests need the zstd command line tool (apt-get install zstd / brew install zstd): ${(error as Error).message}`);
  }
}

export const sessionsDirOf = (case_: string) => join(REAL_STORES, case_, "agents", "main", "sessions");

export function linesOf(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
}

const timeOf = (line: string) => {
  try {
    const parsed = JSON.parse(line) as { timestamp?: unknown };
    return typeof parsed.timestamp === "string" ? Date.parse(parsed.timestamp) || 0 : 0;
  } catch {
    return 0;
  }
};

/** nucbox's transcripts (`<id>.jsonl`) by session id. */
export function nucboxTranscripts(): Map<string, string[]> {
  const dir = sessionsDirOf("nucbox");
  return new Map(
    readdirSync(dir)
      .filter((n) => /^[0-9a-f-]{36}\.jsonl$/.test(n))
      .map((n) => [n.slice(0, 36), linesOf(join(dir, n))]),
  );
}

export function nucboxArchive(prefix: string): string[] {
  const dir = sessionsDirOf("nucbox");
  return linesOf(join(dir, readdirSync(dir).find((n) => n.startsWith(prefix) && /\.jsonl\.(reset|deleted)\./.test(n))!));
}

export const DM_KEY = "agent:main:telegram:direct:1000000001";
export const DM_EARLIER = "0f87ff4a-db8e-4c7a-b7a1-2ddf8e004b25";
export const MAIN_EARLIER = "2e8e3f6f-5429-4ab9-97f9-1ce332d93f80";
export const MAIN_CURRENT = "1d9efd24-3d45-430b-a703-e713c1679ce1";

/** SOURCES.md's rule for a compressed row: ≥1 KiB, no `\u` escape, not the header, saves ≥ max(64 B, 10 %). */
function worthCompressing(seq: number, line: string, compress: (b: Buffer) => Buffer): boolean {
  if (seq === 0 || Buffer.byteLength(line) < 1024 || line.includes("\\u")) return false;
  const packed = compress(Buffer.from(line)).length;
  return Buffer.byteLength(line) - packed >= Math.max(64, Buffer.byteLength(line) / 10);
}

/**
 * nucbox as an agent database: "old" (b-old-layout), "plain"/"compressed" (c), "cold" (d). Every
 * variant has the registry's nodes and windows; all but "cold" keep the DM's earlier window
 * (0f87ff4a) as rows; "cold" moves agent:main:main's current window and that earlier one into the cold
 * archive and keeps 2e8e3f6f as a reset archive with no window row.
 */
export function writeNucboxDatabase(store: TempStateDir, variant: "old" | "plain" | "compressed" | "cold"): { compressedRows: number } {
  const writer = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"), { layout: variant === "old" ? "old" : variant === "plain" ? "reduced" : "newer" });
  const registry = JSON.parse(readFileSync(join(sessionsDirOf("nucbox"), "sessions.json"), "utf8")) as Record<string, Record<string, unknown>>;
  for (const [key, entry] of Object.entries(registry)) {
    writer.node({ key, entry });
    const at = typeof entry.updatedAt === "number" ? entry.updatedAt : 0;
    writer.window({ sessionId: String(entry.sessionId), key, createdAt: at, updatedAt: at });
  }
  writer.window({ sessionId: DM_EARLIER, key: DM_KEY, createdAt: 1777875926636, updatedAt: 1777875926636 });
  const append = (id: string, lines: string[]) => {
    const insert = writer.db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
    lines.forEach((line, seq) => insert.run(id, seq, line, timeOf(line)));
  };
  for (const [id, lines] of nucboxTranscripts()) append(id, lines);
  append(DM_EARLIER, nucboxArchive("0f87ff4a"));
  let compressedRows = 0;
  if (variant === "compressed" || variant === "cold") compressedRows = writer.compressRows((_, seq, line) => worthCompressing(seq, line, zstdCli), zstdCli);
  if (variant === "cold") {
    writer.coldArchive(MAIN_CURRENT, zstdCli, { archivedAt: 1777924700000 });
    writer.coldArchive(DM_EARLIER, zstdCli, { archivedAt: 1777882800000 });
    writer.archive({ sessionId: MAIN_EARLIER, key: "agent:main:main", reason: "reset", jsonl: Buffer.from(nucboxArchive("2e8e3f6f").map((l) => `${l}\n`).join("")), createdAt: 1777046954281 });
  }
  writer.close();
  return { compressedRows };
}

/** An agent database as OpenClaw 2026.6.x creates it: auth, cache and schema_meta only (kenhsm's real DDL, no rows but schema_meta). */
export function writeAuthOnlyDatabase(path: string): void {
  const writer = new AgentDatabaseWriter(path, { layout: "reduced" });
  writer.db.exec(`
    DROP TABLE session_nodes; DROP TABLE session_windows; DROP TABLE transcript_events;
    CREATE TABLE schema_meta (meta_key TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL, schema_version INTEGER NOT NULL, agent_id TEXT, app_version TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE cache_entries (scope TEXT NOT NULL, key TEXT NOT NULL, value_json TEXT, blob BLOB, expires_at INTEGER, updated_at INTEGER NOT NULL, PRIMARY KEY (scope, key));
    CREATE TABLE auth_profile_store (store_key TEXT NOT NULL PRIMARY KEY, store_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE auth_profile_state (state_key TEXT NOT NULL PRIMARY KEY, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
    INSERT INTO schema_meta VALUES ('primary', 'agent', 1, 'main', NULL, 0, 0);
    PRAGMA user_version = 1;
  `);
  writer.close();
}

import { statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isSafeFileName } from "../paths.js";
import { openAgentDb, tableColumns, tableNames } from "./agent-db.js";

/** The agent ids of a state dir: the directories under agents/. */
export async function agentIds(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "agents"), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && isSafeFileName(e.name))
    .map((e) => e.name)
    .sort();
}

/** Where an agent's SQLite database lives (OpenClaw ~2026.6 and later; a session store from ~2026.7). */
export function agentDatabasePath(root: string, agent: string): string {
  return join(root, "agents", agent, "agent", "openclaw-agent.sqlite");
}

/**
 * The tables an agent database keeps its sessions in (STORES.md §1b): the registry (`nodes`, with the
 * column naming each key's current transcript) and the transcript generations (`windows`).
 */
export type SqliteLayout = {
  nodes: "session_nodes" | "session_entries";
  currentIdColumn: "current_session_id" | "session_id";
  windows?: "session_windows" | "sessions";
  /** transcript_events.event_zstd exists (rows may be compressed). */
  compressed: boolean;
  archives: boolean;
  coldArchives: boolean;
};

/**
 * Where an agent's sessions are: "files" (no database, or one that holds no session tables, such as
 * OpenClaw 2026.6.x's auth/cache-only database), its database (current or older layout), or
 * "unreadable" (a database that cannot be opened: neither is read, the SQLite source warns).
 */
export type AgentStore = { kind: "files" } | { kind: "sqlite"; layout: SqliteLayout } | { kind: "unreadable"; error: string };

/** Decisions per database, kept while the file (and its -wal) is the same: a listing does not reopen it. */
const decided = new Map<string, { stamp: string; store: AgentStore }>();

/** The one decision both OpenClaw sources follow, so an agent is read from exactly one of them. */
export function agentStore(root: string, agent: string): AgentStore {
  const path = agentDatabasePath(root, agent);
  const stamp = stampOf(path);
  if (stamp === undefined) {
    decided.delete(path);
    return { kind: "files" };
  }
  const known = decided.get(path);
  if (known?.stamp === stamp) return known.store;
  const store = inspect(path);
  decided.set(path, { stamp, store });
  return store;
}

function inspect(path: string): AgentStore {
  let db;
  try {
    db = openAgentDb(path);
    const tables = tableNames(db);
    const has = (t: string) => tables.has(t);
    const events = has("transcript_events") ? tableColumns(db, "transcript_events") : new Set<string>();
    const common = { compressed: events.has("event_zstd"), archives: has("session_transcript_archives"), coldArchives: has("session_transcript_cold_archives") };
    if (has("session_nodes")) {
      return { kind: "sqlite", layout: { nodes: "session_nodes", currentIdColumn: "current_session_id", windows: has("session_windows") ? "session_windows" : undefined, ...common } };
    }
    if (has("session_entries") && has("sessions")) {
      return { kind: "sqlite", layout: { nodes: "session_entries", currentIdColumn: "session_id", windows: "sessions", ...common } };
    }
    return { kind: "files" };
  } catch (error) {
    return { kind: "unreadable", error: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
}

/** The database file's and its -wal's identity and change time (tables can appear in either). */
function stampOf(path: string): string | undefined {
  try {
    const db = statSync(path);
    let wal = "";
    try {
      const w = statSync(`${path}-wal`);
      wal = `${w.ino}:${w.mtimeMs}:${w.size}`;
    } catch {
      // no -wal: the file alone tells
    }
    return `${db.ino}:${db.mtimeMs}:${db.size}|${wal}`;
  } catch {
    return undefined;
  }
}

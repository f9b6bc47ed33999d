import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";

// better-sqlite3 takes URI filenames only when this is set before its first open; the URI is how we
// ask for read-only and immutable opens below.
process.env.SQLITE_USE_URI ??= "1";

export type AgentDb = Database.Database;

/**
 * Opens an agent database (STORES.md §1b) so that reading it changes nothing in the store:
 * - while the gateway runs (a -wal and -shm exist), read-only through them: readers see committed rows
 *   and never take a write lock, so the gateway is never blocked;
 * - when it does not (no -wal), as immutable: SQLite then reads the one file and creates no -wal, -shm
 *   or journal beside it, which a plain read-only open of a WAL database would do.
 * Callers open, read in short statements, and close: a long read transaction would hold back the
 * gateway's checkpoints.
 */
export function openAgentDb(path: string): AgentDb {
  const live = existsSync(`${path}-wal`) && existsSync(`${path}-shm`);
  const uri = `${pathToFileURL(path).href}?${live ? "mode=ro" : "mode=ro&immutable=1"}`;
  const db = new Database(uri, { readonly: true, fileMustExist: true, timeout: 2000 });
  db.pragma("query_only = ON");
  return db;
}

/** Column names of a table (schemas differ between OpenClaw versions; missing tables give []). */
export function tableColumns(db: AgentDb, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

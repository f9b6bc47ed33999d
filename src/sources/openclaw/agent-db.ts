import { readFileSync, statSync, unlinkSync } from "node:fs";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";

// better-sqlite3 takes URI filenames only when this is set before its first open; the URI is how we
// ask for read-only and immutable opens below.
process.env.SQLITE_USE_URI ??= "1";

export type AgentDb = Database.Database;

/** For tests: runs between the look at the -wal/-shm files and the open (where a gateway may close). */
let afterWalCheck: (() => void) | undefined;
export function setAfterWalCheckForTests(hook: (() => void) | undefined): void {
  afterWalCheck = hook;
}

/**
 * Opens an agent database (STORES.md §1b) so that reading it changes nothing in the store:
 * - while the gateway runs (a -wal and -shm exist), read-only through them: readers see committed rows
 *   and never take a write lock, so the gateway is never blocked;
 * - when it does not (no -wal), as immutable: SQLite then reads the one file and creates no -wal, -shm
 *   or journal beside it, which a plain read-only open of a WAL database would do.
 * The gateway can close (checkpointing and removing its -wal and -shm) between that look and our first
 * read, and SQLite would then create both again, empty. So on close, a -wal/-shm that was not there
 * before the open (another inode or birth time) is removed, when it is empty and no process holds a lock on it
 * (/proc/locks): only then is it surely ours, not a gateway's that has just started. Where /proc/locks
 * cannot be read, such files are left as they are (never remove what may be someone else's).
 * Callers open, read in short statements, and close: a long read transaction would hold back the
 * gateway's checkpoints.
 */
export function openAgentDb(path: string): AgentDb {
  const before = { wal: inodeOf(`${path}-wal`), shm: inodeOf(`${path}-shm`) };
  const live = before.wal !== undefined && before.shm !== undefined;
  afterWalCheck?.();
  const uri = `${pathToFileURL(path).href}?${live ? "mode=ro" : "mode=ro&immutable=1"}`;
  const db = new Database(uri, { readonly: true, fileMustExist: true, timeout: 2000 });
  if (live) {
    const close = db.close.bind(db);
    db.close = () => {
      close();
      removeWhatWeCreated(path, before);
      return db;
    };
  }
  try {
    db.pragma("query_only = ON");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function removeWhatWeCreated(path: string, before: { wal?: string; shm?: string }): void {
  const wal = statOf(`${path}-wal`);
  const shm = statOf(`${path}-shm`);
  const newWal = wal !== undefined && identity(wal) !== before.wal;
  const newShm = shm !== undefined && identity(shm) !== before.shm;
  if (!newWal && !newShm) return;
  if (wal && (!newWal || wal.size !== 0)) return; // a -wal with frames, or the one we saw live, is a gateway's
  if (shm && !newShm) return;
  const locked = lockedInodes();
  if (!locked) return;
  if ([wal, shm].some((info) => info && locked.has(String(info.ino)))) return;
  for (const file of [`${path}-wal`, `${path}-shm`]) {
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
}

/** Inode numbers with a POSIX or flock lock held by any process (Linux); undefined where unknown. */
function lockedInodes(): Set<string> | undefined {
  try {
    const text = readFileSync("/proc/locks", "utf8");
    // "1: POSIX  ADVISORY  READ 1234 08:01:5678 128 128": the 6th field is major:minor:inode
    return new Set(text.split("\n").flatMap((line) => {
      const device = line.trim().split(/\s+/).find((field) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(field));
      return device ? [device.split(":")[2]!] : [];
    }));
  } catch {
    return undefined;
  }
}

type FileInfo = { dev: number; ino: number; size: number; birthtimeMs: number };

/** A file's identity: inode and birth time (a file removed and created again often gets the same inode). */
function identity(info: FileInfo): string {
  return `${info.dev}:${info.ino}:${info.birthtimeMs}`;
}

function statOf(path: string): FileInfo | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function inodeOf(path: string): string | undefined {
  const info = statOf(path);
  return info ? identity(info) : undefined;
}

/** Column names of a table (schemas differ between OpenClaw versions; missing tables give []). */
export function tableColumns(db: AgentDb, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

/** The names of the database's tables. */
export function tableNames(db: AgentDb): Set<string> {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

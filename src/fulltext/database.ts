import { createHash } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { CacheArea } from "../sources/cache-dir.js";

/** The index format: a new version is a new file (the files of older versions are deleted when it is opened). */
export const FULLTEXT_VERSION = 2;
const HASH_BYTES = 8 * 1024 * 1024;
const AUTOMERGE = 16;
const WRITER_CACHE_KB = 8 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  version TEXT NOT NULL,
  mark TEXT NOT NULL,
  next_seq INTEGER NOT NULL,
  last_hash TEXT,
  seen_day INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY,
  ts REAL,
  type TEXT NOT NULL,
  role TEXT,
  tool TEXT,
  vis TEXT,
  user_text INTEGER NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(body, thinking, content='', contentless_delete=1, tokenize='ascii', detail=full);
`;

/**
 * An indexed event's row id (in the events table and the full-text table alike): its document's id
 * and its seq in one number, so a match's rows group by document without a lookup each, and a
 * document's rows are one range. Both parts are bounded: a document past them is not indexed (scanned).
 */
const SEQ_SPAN = 2 ** 28;
export const MAX_DOC_ID = 2 ** 25 - 1;
export const MAX_SEQ = SEQ_SPAN - 1;
/** The same split in SQL, for a row id column. */
export const DOC_OF_ROWID_SQL = (column: string) => `(${column} >> 28)`;

export function rowidOf(doc: number, seq: number): number {
  return doc * SEQ_SPAN + seq;
}

export function seqOfRowid(rowid: number): number {
  return rowid % SEQ_SPAN;
}

export function docOfRowid(rowid: number): number {
  return Math.floor(rowid / SEQ_SPAN);
}

/** A document's row ids: [first, last]. */
export function rowidsOf(doc: number): { first: number; last: number } {
  return { first: rowidOf(doc, 0), last: rowidOf(doc, MAX_SEQ) };
}

/**
 * Opens (making it where missing) the full-text index database in the cache dir's fulltext folder. One
 * file per redaction policy (`policyId`): the text it holds was redacted by that policy, and a file
 * made under another key (not by this cache dir's owner) or unreadable is replaced.
 */
export function openFullTextDb(area: CacheArea, policyId: string): Database.Database {
  removeOlderVersions(area.dir);
  const path = join(area.dir, `v${FULLTEXT_VERSION}-${policyId}.sqlite`);
  const seal = area.mac.digest("fulltext db", `v${FULLTEXT_VERSION}-${policyId}`);
  try {
    const db = open(path);
    const found = db.prepare("SELECT value FROM meta WHERE name = 'seal'").get() as { value: string } | undefined;
    if (found?.value === seal) return db;
    const empty = (db.prepare("SELECT count(*) AS n FROM docs").get() as { n: number }).n === 0;
    if (!found && empty) return sealed(db, seal);
    db.close();
  } catch {
    // unreadable: made anew below
  }
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  return sealed(open(path), seal);
}

/** A new database made this owner's, its table set up for writing passes (see write-window.ts). */
function sealed(db: Database.Database, seal: string): Database.Database {
  // terms kept in memory up to this many bytes before they are written out as a segment (default 1 MB):
  // one segment per write window, fewer to merge later
  // (written out: bound, the number is taken for a real and refused)
  db.exec(`INSERT INTO fts(fts, rank) VALUES ('hashsize', ${HASH_BYTES})`);
  // segments are merged 16 at a time, not 4 (the default): each level rewrites the whole index once,
  // and on the bench store (a segment a write window, 370 MiB of index) merging at 4 took about as
  // long as all the inserts; a query reads a few more segments
  db.exec(`INSERT INTO fts(fts, rank) VALUES ('automerge', ${AUTOMERGE})`);
  db.exec(`INSERT INTO fts(fts, rank) VALUES ('crisismerge', ${2 * AUTOMERGE})`);
  db.prepare("INSERT OR REPLACE INTO meta(name, value) VALUES ('seal', ?)").run(seal);
  return db;
}

/** Deletes the databases of older index formats (nothing reads them again; each may be as large as this one). */
function removeOlderVersions(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const version = /^v(\d+)-[0-9a-f]{16}\.sqlite(?:-wal|-shm)?$/.exec(name)?.[1];
    if (version !== undefined && Number(version) < FULLTEXT_VERSION) rmSync(join(dir, name), { force: true });
  }
}

/** A second connection to a database openFullTextDb opened (the index writer's). */
export function openWriterConnection(path: string): Database.Database {
  const db = open(path);
  // (a writer streams: its inserts append, its merges read segments once; the default 16 MB page
  // cache would come on top of the reading side's, in the same process)
  db.pragma(`cache_size = -${WRITER_CACHE_KB}`);
  return db;
}

function open(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A short id of a redaction policy: its patterns (the built-in ones too, which a new version may change). */
export function policyIdOf(patterns: ReadonlyArray<{ source: string; flags: string }>): string {
  return createHash("sha256")
    .update(JSON.stringify(patterns.map((p) => [p.source, p.flags])))
    .digest("hex")
    .slice(0, 16);
}

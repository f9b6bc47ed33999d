import type Database from "better-sqlite3";

/** How long one transaction of an index pass may stay open (another process's writer waits at most this, well under busy_timeout). */
const WINDOW_MS = 1000;

/**
 * An index pass's writes grouped into transactions of about a second, across sessions: each commit
 * makes the full-text table flush its pending terms into a new segment that later merges rewrite, and a
 * commit per session (thousands on a first pass) spent more time in those flushes and merges than in
 * the inserts. No savepoints inside (the table flushes its terms at each one too): a write that
 * fails midway rolls the whole window back (its documents are indexed again on the next pass), one
 * that decides not to write (another writer moved its document) throws before writing. Rows written
 * but not yet committed are invisible to other processes, and a document is current only once its
 * version is written after its rows (in the same or a later window).
 */
export class WriteWindow {
  private openedAt = 0;

  constructor(private readonly db: Database.Database) {}

  /** Opens a transaction when none is open (waits up to busy_timeout for another writer). */
  open(): void {
    if (this.db.inTransaction) return;
    this.db.exec("BEGIN IMMEDIATE");
    this.openedAt = performance.now();
  }

  /** Runs writes in the window's transaction (opened when none is); a failure rolls the window back. */
  write<T>(writes: () => T, refusal: (error: unknown) => boolean): T {
    this.open();
    try {
      return writes();
    } catch (error) {
      if (!refusal(error) && this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Commits the open transaction once it has been open for its time. */
  commitIfDue(): void {
    if (this.db.inTransaction && performance.now() - this.openedAt >= WINDOW_MS) this.db.exec("COMMIT");
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }
}

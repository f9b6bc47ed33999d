import type Database from "better-sqlite3";
import type { EventType, Visibility } from "../contract/event.js";
import type { Redactor } from "../engine/redact.js";
import type { TextQuery } from "../engine/search/query.js";
import type { IndexedHit, IndexedHitGroup, IndexedSearch, TextIndex, TextIndexPass } from "../engine/search/text-index.js";
import type { TimeWindow } from "../engine/time.js";
import type { CacheArea } from "../sources/cache-dir.js";
import { newReadStats, type SessionInfo } from "../sources/session.js";
import { openFullTextDb } from "./database.js";
import { indexSession, today } from "./index-session.js";
import { matchExpression } from "./match-expression.js";

/** Rows fetched at a time when walking a session's hits (the walk reads the store between fetches). */
const PAGE_ROWS = 64;
/** A document whose session no listing has shown for this many days is dropped. */
const FORGET_AFTER_DAYS = 30;

type HitRow = { seq: number; type: EventType; role: string | null; tool: string | null; vis: Visibility | null };

/**
 * The full-text index (engine/search/text-index.ts) as one SQLite FTS5 database in the cache dir: a
 * document per session's transcript, a row per event with searchable text (its words, as redacted for
 * `internal` clearance, thinking in a column of its own), beside what decides who may see it.
 */
export class FullTextIndex implements TextIndex {
  private db: Database.Database | undefined;
  private failed = false;
  private updating: Promise<unknown> = Promise.resolve();
  /** The day documents were last forgotten: once a day is enough (a server updates one session at a time). */
  private forgottenOn: number | undefined;

  constructor(
    private readonly area: CacheArea,
    private readonly redactor: Redactor,
    private readonly policyId: string,
  ) {}

  private open(): Database.Database | undefined {
    if (!this.db && !this.failed) {
      try {
        this.db = openFullTextDb(this.area, this.policyId);
      } catch (error) {
        // searching scans then; said once, for operators
        this.failed = true;
        console.error(`[session-events] warning: the full-text index in ${this.area.dir} cannot be used (${error instanceof Error ? error.message : String(error)}); searches scan.`);
      }
    }
    return this.db;
  }

  search(query: TextQuery, sessions: readonly SessionInfo[], options: { thinking: boolean; window: TimeWindow }): IndexedSearch | undefined {
    const match = matchExpression(query, options.thinking);
    const db = match === undefined ? undefined : this.open();
    if (!db) return undefined;
    const docs = new Map((db.prepare("SELECT id, name, version FROM docs").all() as Array<{ id: number; name: string; version: string }>).map((d) => [d.name, d]));
    const current = new Map<number, SessionInfo>();
    const docOf = new Map<SessionInfo, number>();
    const unindexed: SessionInfo[] = [];
    for (const session of sessions) {
      const state = session.contentState?.();
      const doc = state && docs.get(state.id);
      if (doc && doc.version !== "" && doc.version === state.version) {
        current.set(doc.id, session);
        docOf.set(session, doc.id);
      } else unindexed.push(session);
    }
    const window = { since: options.window.since ?? null, until: options.window.until ?? null };
    const inWindow = "(@since IS NULL OR e.ts >= @since) AND (@until IS NULL OR e.ts < @until)";
    // (CROSS JOIN: the full-text match drives, each hit looked up by rowid; never a match per event of a document)
    const matching = `FROM fts CROSS JOIN events e ON e.id = fts.rowid WHERE fts MATCH @match AND ${inWindow}`;
    const groups = new Map<SessionInfo, IndexedHitGroup[]>();
    const firstHits = new Map<SessionInfo, IndexedHit[]>();
    if (current.size > 0) {
      // one pass over the matches: each session's hits counted by what decides who may see them, and
      // its first ones kept (most answers need no more; hitsOf reads on where they end)
      const byClass = new Map<SessionInfo, Map<string, IndexedHitGroup>>();
      const rows = db.prepare(`SELECT e.doc AS doc, e.seq AS seq, e.type AS type, e.role AS role, e.tool AS tool, e.vis AS vis ${matching}`).iterate({ match, ...window });
      for (const row of rows as Iterable<HitRow & { doc: number }>) {
        const session = current.get(row.doc);
        if (!session) continue; // not asked about, or not current
        const classes = byClass.get(session) ?? new Map<string, IndexedHitGroup>();
        byClass.set(session, classes);
        const key = `${row.type}\0${row.role}\0${row.tool}\0${row.vis}`;
        const group = classes.get(key);
        if (group) group.hits++;
        else {
          const { seq: _, ...hit } = hitOf(row);
          classes.set(key, { ...hit, hits: 1 });
        }
        const first = firstHits.get(session) ?? [];
        firstHits.set(session, first);
        if (first.length < PAGE_ROWS) first.push(hitOf(row));
        else if (row.seq < first[first.length - 1]!.seq) {
          // (rows come in rowid order, which is each document's seq order; kept exact all the same)
          first.push(hitOf(row));
          first.sort((a, b) => a.seq - b.seq).pop();
        }
      }
      for (const [session, classes] of byClass) groups.set(session, [...classes.values()]);
      for (const first of firstHits.values()) first.sort((a, b) => a.seq - b.seq);
    }
    const hitsStatement = db.prepare(
      `SELECT e.seq AS seq, e.type AS type, e.role AS role, e.tool AS tool, e.vis AS vis
       ${matching} AND fts.rowid BETWEEN @first AND @last AND e.doc = @doc AND e.seq > @after
       ORDER BY e.seq LIMIT ${PAGE_ROWS}`,
    );
    const userStatement = db.prepare(
      `SELECT seq, type, role, tool, vis FROM events e
       WHERE e.doc = @doc AND e.user_text = 1 AND e.seq > @after AND ${inWindow}
       ORDER BY e.seq LIMIT ${PAGE_ROWS}`,
    );
    const rangeStatement = db.prepare("SELECT min(id) AS first, max(id) AS last FROM events WHERE doc = ?");
    return {
      groups,
      unindexed,
      hitsOf: function* (session) {
        const doc = docOf.get(session);
        const first = firstHits.get(session) ?? [];
        yield* first;
        if (doc === undefined || first.length < PAGE_ROWS) return;
        const range = rangeStatement.get(doc) as { first: number | null; last: number | null };
        const pages = paged((after) => hitsStatement.all({ match, doc, after, first: range.first ?? 0, last: range.last ?? -1, ...window }) as HitRow[], first[first.length - 1]!.seq);
        yield* pages;
      },
      userMessagesOf: (session) => {
        const doc = docOf.get(session);
        return doc === undefined ? [] : paged((after) => userStatement.all({ doc, after, ...window }) as HitRow[]);
      },
    };
  }

  /** Serialized within the process (a server's background pass and an `index` run in it never interleave). */
  update(sessions: readonly SessionInfo[], options: { signal?: AbortSignal; between?: () => Promise<void> } = {}): Promise<TextIndexPass> {
    const run = this.updating.then(() => this.updateNow(sessions, options));
    this.updating = run.catch(() => undefined);
    return run;
  }

  private async updateNow(sessions: readonly SessionInfo[], options: { signal?: AbortSignal; between?: () => Promise<void> }): Promise<TextIndexPass> {
    const pass: TextIndexPass = { sessions: sessions.length, indexed: 0, rebuilt: 0, events: 0, textBytes: 0 };
    const db = this.open();
    if (!db) return pass;
    const stats = newReadStats();
    for (const session of sessions) {
      if (options.signal?.aborted) return pass;
      await options.between?.();
      try {
        const { outcome, events, textBytes } = await indexSession(db, session, this.redactor, stats);
        if (outcome === "appended" || outcome === "rebuilt") pass.indexed++;
        if (outcome === "rebuilt") pass.rebuilt++;
        pass.events += events;
        pass.textBytes += textBytes;
      } catch {
        // a transcript that cannot be read now is tried again on the next pass (a query scans it meanwhile)
      }
    }
    this.forgetUnseen(db);
    // (what was written goes into the database file now, not left in its write-ahead log)
    if (pass.indexed > 0) db.pragma("wal_checkpoint(TRUNCATE)");
    return pass;
  }

  /** Drops the documents of sessions no listing has shown for a while (transcripts deleted or archived). */
  private forgetUnseen(db: Database.Database): void {
    if (this.forgottenOn === today()) return;
    this.forgottenOn = today();
    const old = db.prepare("SELECT id FROM docs WHERE seen_day < ?").all(today() - FORGET_AFTER_DAYS) as Array<{ id: number }>;
    for (const { id } of old) {
      db.transaction(() => {
        db.prepare("DELETE FROM fts WHERE rowid IN (SELECT id FROM events WHERE doc = ?)").run(id);
        db.prepare("DELETE FROM events WHERE doc = ?").run(id);
        db.prepare("DELETE FROM docs WHERE id = ?").run(id);
      }).immediate();
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}

function hitOf(row: HitRow): IndexedHit {
  return {
    seq: row.seq,
    type: row.type,
    ...(row.role !== null ? { role: row.role } : {}),
    ...(row.tool !== null ? { tool: row.tool } : {}),
    ...(row.vis !== null ? { visibility: row.vis } : {}),
  };
}

/** Rows a page at a time (no statement stays open while the caller reads the store between them). */
function* paged(page: (after: number) => HitRow[], after = Number.MIN_SAFE_INTEGER): Generator<IndexedHit> {
  for (;;) {
    const rows = page(after);
    for (const row of rows) yield hitOf(row);
    if (rows.length < PAGE_ROWS) return;
    after = rows[rows.length - 1]!.seq;
  }
}

import type Database from "better-sqlite3";
import type { EventType, Visibility } from "../contract/event.js";
import type { TextQuery } from "../engine/search/query.js";
import type { IndexedHit, IndexedHitGroup, IndexedSearch, TextIndex, TextIndexPass } from "../engine/search/text-index.js";
import type { TimeWindow } from "../engine/time.js";
import type { CacheArea } from "../sources/cache-dir.js";
import { newReadStats, type SessionInfo } from "../sources/session.js";
import { DOC_OF_ROWID_SQL, docOfRowid, openFullTextDb, rowidsOf, seqOfRowid } from "./database.js";
import { dropRows } from "./doc-writer.js";
import { indexSession, today, type SessionResult } from "./index-session.js";
import { IndexWriter } from "./index-writer.js";
import { matchExpression } from "./match-expression.js";

/** Rows fetched at a time when walking a session's hits (the walk reads the store between fetches). */
const PAGE_ROWS = 64;
/** A document whose session no listing has shown for this many days is dropped. */
const FORGET_AFTER_DAYS = 30;

type HitRow = { id: number; type: EventType; role: string | null; tool: string | null; vis: Visibility | null };

/**
 * The full-text index (engine/search/text-index.ts) as one SQLite FTS5 database in the cache dir: a
 * document per session's transcript, a row per event with searchable text (its words, as redacted for
 * `internal` clearance, thinking in a column of its own), beside what decides who may see it.
 */
export class FullTextIndex implements TextIndex {
  private db: Database.Database | undefined;
  /** The writer of index passes (a worker thread when built), made on the first. */
  private writer: IndexWriter | undefined;
  private failed = false;
  private updating: Promise<unknown> = Promise.resolve();
  /** The day documents were last forgotten: once a day is enough (a server updates one session at a time). */
  private forgottenOn: number | undefined;

  constructor(
    private readonly area: CacheArea,
    /** The config's redaction patterns beyond the built-in ones (the index holds text as they redact it). */
    private readonly redactPatterns: readonly string[],
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

  search(query: TextQuery, sessions: readonly SessionInfo[], options: { thinking: boolean; window: TimeWindow; classes: boolean }): IndexedSearch | undefined {
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
    const windowed = window.since !== null || window.until !== null;
    const inWindow = "(@since IS NULL OR e.ts >= @since) AND (@until IS NULL OR e.ts < @until)";
    // (CROSS JOIN: the full-text match drives, each hit looked up by rowid; never a match per event of a document)
    const matching = `FROM fts CROSS JOIN events e ON e.id = fts.rowid WHERE fts MATCH @match AND ${inWindow}`;
    const groups = new Map<SessionInfo, IndexedHitGroup[]>();
    if (current.size > 0) {
      // counted in SQLite, grouped by document (a row id holds it): without classes or a window, no
      // matching event is looked up at all
      const doc = DOC_OF_ROWID_SQL("fts.rowid");
      const counted = !options.classes
        ? windowed
          ? db.prepare(`SELECT ${doc} AS doc, count(*) AS hits ${matching} GROUP BY 1`).all({ match, ...window })
          : db.prepare(`SELECT ${doc} AS doc, count(*) AS hits FROM fts WHERE fts MATCH @match GROUP BY 1`).all({ match })
        : db.prepare(`SELECT ${doc} AS doc, e.type AS type, e.role AS role, e.tool AS tool, e.vis AS vis, count(*) AS hits ${matching} GROUP BY 1, 2, 3, 4, 5`).all({ match, ...window });
      for (const row of counted as Array<Omit<HitRow, "id"> & { doc: number; hits: number }>) {
        const session = current.get(row.doc);
        if (!session) continue; // not asked about, or not current
        const group: IndexedHitGroup = options.classes ? { hits: row.hits, class: classOf(row) } : { hits: row.hits };
        const found = groups.get(session);
        if (found) found.push(group);
        else groups.set(session, [group]);
      }
    }
    const hitsStatement = db.prepare(
      `SELECT e.id AS id, e.type AS type, e.role AS role, e.tool AS tool, e.vis AS vis
       ${matching} AND fts.rowid BETWEEN @after AND @last
       ORDER BY fts.rowid LIMIT ${PAGE_ROWS}`,
    );
    const userStatement = db.prepare(
      `SELECT id, type, role, tool, vis FROM events e
       WHERE e.id BETWEEN @after AND @last AND e.user_text = 1 AND ${inWindow}
       ORDER BY e.id LIMIT ${PAGE_ROWS}`,
    );
    // each session's first page of hits, for the sessions named to hitsOf before: one pass over the
    // match for all of them (a match limited to one document's rows costs about as much as the whole)
    const firstPages = new Map<number, HitRow[]>();
    // (without a window, only the hits kept are looked up)
    const ofDocs = `${DOC_OF_ROWID_SQL("fts.rowid")} IN (SELECT value FROM json_each(@docs))`;
    const firstPagesStatement = db.prepare(
      `SELECT h.id AS id, e.type AS type, e.role AS role, e.tool AS tool, e.vis AS vis FROM (
         SELECT fts.rowid AS id, row_number() OVER (PARTITION BY ${DOC_OF_ROWID_SQL("fts.rowid")} ORDER BY fts.rowid) AS n
         ${windowed ? `${matching} AND ${ofDocs}` : `FROM fts WHERE fts MATCH @match AND ${ofDocs}`}
       ) h CROSS JOIN events e ON e.id = h.id WHERE h.n <= ${PAGE_ROWS} ORDER BY h.id`,
    );
    const pagesOf = (session: SessionInfo, page: (range: { after: number; last: number }) => HitRow[]) => {
      const doc = docOf.get(session);
      return doc === undefined ? [] : paged(rowidsOf(doc), page);
    };
    return {
      groups,
      unindexed,
      hitsOf: (session) => {
        const doc = docOf.get(session);
        if (doc === undefined || !groups.has(session)) return [];
        const first = firstPages.get(doc);
        const page = (range: { after: number; last: number }) =>
          first && range.after === rowidsOf(doc).first ? first : (hitsStatement.all({ match, ...range, ...window }) as HitRow[]);
        return pagesOf(session, page);
      },
      fetchHits: (sessions) => {
        const docs = sessions.map((session) => docOf.get(session)).filter((doc): doc is number => doc !== undefined && !firstPages.has(doc));
        if (docs.length === 0) return;
        for (const doc of docs) firstPages.set(doc, []);
        const params = windowed ? { match, docs: JSON.stringify(docs), ...window } : { match, docs: JSON.stringify(docs) };
        for (const row of firstPagesStatement.all(params) as HitRow[]) firstPages.get(docOfRowid(row.id))!.push(row);
      },
      userMessagesOf: (session) => pagesOf(session, (range) => userStatement.all({ ...range, ...window }) as HitRow[]),
    };
  }

  /** Serialized within the process (a server's background pass and an `index` run in it never interleave). */
  update(sessions: readonly SessionInfo[], options: { signal?: AbortSignal; between?: () => Promise<void> } = {}): Promise<TextIndexPass> {
    const run = this.updating.then(() => this.updateNow(sessions, options));
    this.updating = run.catch(() => undefined);
    return run;
  }

  private async updateNow(sessions: readonly SessionInfo[], options: { signal?: AbortSignal; between?: () => Promise<void> }): Promise<TextIndexPass> {
    const pass: TextIndexPass = { sessions: sessions.length, indexed: 0, rebuilt: 0, events: 0, textBytes: 0, bytesRead: 0 };
    const db = this.open();
    if (!db) return pass;
    const stats = newReadStats();
    const writer = (this.writer ??= new IndexWriter(db.name, this.redactPatterns));
    const written: Array<Promise<SessionResult>> = [];
    writer.begin();
    try {
      for (const session of sessions) {
        if (options.signal?.aborted) break;
        await options.between?.();
        try {
          written.push((await indexSession(db, session, stats, writer)).written);
        } catch {
          // a transcript that cannot be read now is tried again on the next pass (a query scans it meanwhile)
        }
      }
    } finally {
      pass.bytesRead = stats.bytesRead;
      await writer.commit().catch(() => {
        // (what was not committed is indexed again on the next pass)
        this.writer?.close();
        this.writer = undefined;
      });
    }
    for (const { outcome, events, textBytes } of await Promise.all(written)) {
      if (outcome === "appended" || outcome === "rebuilt") pass.indexed++;
      if (outcome === "rebuilt") pass.rebuilt++;
      pass.events += events;
      pass.textBytes += textBytes;
    }
    if (options.signal?.aborted) return pass;
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
        dropRows(db, id);
        db.prepare("DELETE FROM docs WHERE id = ?").run(id);
      }).immediate();
    }
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
    this.db?.close();
    this.db = undefined;
  }
}

function hitOf(row: HitRow): IndexedHit {
  return { seq: seqOfRowid(row.id), ...classOf(row) };
}

function classOf(row: Omit<HitRow, "id">): Omit<IndexedHit, "seq"> {
  return {
    type: row.type,
    ...(row.role !== null ? { role: row.role } : {}),
    ...(row.tool !== null ? { tool: row.tool } : {}),
    ...(row.vis !== null ? { visibility: row.vis } : {}),
  };
}

/** A document's rows a page at a time (no statement stays open while the caller reads the store between them). */
function* paged(range: { first: number; last: number }, page: (range: { after: number; last: number }) => HitRow[]): Generator<IndexedHit> {
  for (let after = range.first; ; ) {
    const rows = page({ after, last: range.last });
    for (const row of rows) yield hitOf(row);
    if (rows.length < PAGE_ROWS) return;
    after = rows[rows.length - 1]!.id + 1;
  }
}

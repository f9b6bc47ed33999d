import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Redactor } from "../engine/redact.js";
import { indexedFields } from "../engine/search/searchable.js";
import type { ReadStats, SessionInfo, SourceEvent } from "../sources/session.js";
import { MAX_DOC_ID, MAX_SEQ, rowidOf, rowidsOf } from "./database.js";
import { documentText, hasWords } from "./document-text.js";
import type { WriteWindow } from "./write-window.js";

/** Events written per transaction: a reader or another writer waits at most one batch. */
const BATCH_EVENTS = 2000;

type Doc = { id: number; version: string; mark: string; next_seq: number; last_hash: string | null };
type Row = { seq: number; ts: number | null; type: string; role: string | null; tool: string | null; vis: string | null; userText: 0 | 1; body: string; thinking: string };

export type SessionIndexed = "unchanged" | "appended" | "rebuilt" | "not indexable";

/** Another writer moved the same document meanwhile: this pass leaves it to that one. */
class Overtaken extends Error {}
/** A document past the bounds of a row id (database.ts): its session is scanned. */
class OutOfBounds extends Error {}

/** The day number (UTC) a document was last found in a listing: documents not seen for long are dropped. */
export function today(now = Date.now()): number {
  return Math.floor(now / 86_400_000);
}

/**
 * Brings one session's document up to date: nothing when its transcript is unchanged; the events
 * after the last indexed one when it only grew (checked: the last indexed event is still the same);
 * every event, the old ones dropped first, when it was rewritten. Batches are written as they are
 * read, and the document's version only at the end: until then a query scans the session.
 */
export async function indexSession(
  db: Database.Database,
  session: SessionInfo,
  redactor: Redactor,
  stats: ReadStats,
  window: WriteWindow,
): Promise<{ outcome: SessionIndexed; events: number; textBytes: number }> {
  const state = session.contentState?.();
  if (!state || session.missingTranscript?.() !== undefined) return { outcome: "not indexable", events: 0, textBytes: 0 };
  const doc = db.prepare("SELECT id, version, mark, next_seq, last_hash, seen_day FROM docs WHERE name = ?").get(state.id) as (Doc & { seen_day: number }) | undefined;
  if (doc && doc.version === state.version) {
    // (no write, so no wait for another writer, for a document already seen today)
    if (doc.seen_day < today()) window.write(() => db.prepare("UPDATE docs SET seen_day = ? WHERE id = ? AND seen_day < ?").run(today(), doc.id, today()), refused);
    return { outcome: "unchanged", events: 0, textBytes: 0 };
  }
  const mark = state.mark(); // before reading: what is read is at least what the mark stands for
  const appending = doc !== undefined && doc.next_seq > 0 && doc.last_hash !== null && state.grewFrom(doc.mark);
  try {
    if (appending) {
      const appended = await readInto(db, doc, session, redactor, stats, doc.next_seq, doc.last_hash, window);
      if (appended !== undefined) {
        finish(db, doc.id, appended.next, state.version, mark, window);
        return { outcome: "appended", ...appended };
      }
    }
    const fresh = restart(db, state.id, doc, window);
    const rebuilt = (await readInto(db, fresh, session, redactor, stats, 0, null, window))!;
    finish(db, fresh.id, rebuilt.next, state.version, mark, window);
    return { outcome: "rebuilt", ...rebuilt };
  } catch (error) {
    if (error instanceof Overtaken) return { outcome: "unchanged", events: 0, textBytes: 0 };
    if (error instanceof OutOfBounds) return { outcome: "not indexable", events: 0, textBytes: 0 };
    throw error;
  }
}

/** Empties a document (or makes it): no version, nothing indexed. */
function restart(db: Database.Database, name: string, doc: Doc | undefined, window: WriteWindow): Doc {
  return window.write(() => {
    if (doc) {
      dropRows(db, doc.id);
      db.prepare("UPDATE docs SET version = '', mark = '', next_seq = 0, last_hash = NULL, seen_day = ? WHERE id = ?").run(today(), doc.id);
      return { ...doc, version: "", mark: "", next_seq: 0, last_hash: null };
    }
    const { last } = db.prepare("SELECT coalesce(max(id), 0) AS last FROM docs").get() as { last: number };
    if (last + 1 > MAX_DOC_ID) throw new OutOfBounds();
    const made = db.prepare("INSERT INTO docs(name, version, mark, next_seq, last_hash, seen_day) VALUES (?, '', '', 0, NULL, ?)").run(name, today());
    return { id: Number(made.lastInsertRowid), version: "", mark: "", next_seq: 0, last_hash: null };
  }, refused);
}

/** Deletes a document's indexed events. */
export function dropRows(db: Database.Database, doc: number): void {
  const range = rowidsOf(doc);
  db.prepare("DELETE FROM fts WHERE rowid IN (SELECT id FROM events WHERE id BETWEEN @first AND @last)").run(range);
  db.prepare("DELETE FROM events WHERE id BETWEEN @first AND @last").run(range);
}

function finish(db: Database.Database, id: number, next: number, version: string, mark: string, window: WriteWindow): void {
  window.write(() => {
    const done = db.prepare("UPDATE docs SET version = ?, mark = ?, seen_day = ? WHERE id = ? AND next_seq = ?").run(version, mark, today(), id, next);
    if (done.changes === 0) throw new Overtaken();
  }, refused);
}

/** Whether a write gave up before writing anything (the window goes on). */
function refused(error: unknown): boolean {
  return error instanceof Overtaken || error instanceof OutOfBounds;
}

/**
 * Reads the session's events from seq `from` on into the document; with `lastHash`, the event before
 * `from` must still hash to it (else undefined: the transcript was rewritten, not appended to).
 */
async function readInto(
  db: Database.Database,
  doc: Doc,
  session: SessionInfo,
  redactor: Redactor,
  stats: ReadStats,
  from: number,
  lastHash: string | null,
  window: WriteWindow,
): Promise<{ next: number; events: number; textBytes: number } | undefined> {
  let next = from;
  let checked = lastHash === null;
  let events = 0;
  let textBytes = 0;
  let batch: Row[] = [];
  // the last event read: its hash (the mark an append is checked against) is taken only when written
  let last: SourceEvent | undefined;
  const hash = () => (last ? eventHash(last) : lastHash);
  const flush = () => {
    writeBatch(db, doc.id, batch, from, next, hash(), window);
    from = next;
    batch = [];
    window.commitIfDue();
  };
  const skipBefore = from > 1 ? { seq: from - 2 } : undefined;
  for await (const event of session.events({ stats, direction: "forward", skipBefore })) {
    // (the registry's end is no line of the transcript: what is appended later comes before it)
    if (event.type === "session_end") continue;
    if (event.seq < from) {
      if (event.seq === from - 1) checked = eventHash(event) === lastHash;
      continue;
    }
    if (!checked) return undefined;
    if (event.seq > MAX_SEQ) throw new OutOfBounds();
    const row = rowOf(event, redactor);
    if (row) {
      batch.push(row);
      textBytes += Buffer.byteLength(row.body) + Buffer.byteLength(row.thinking);
    }
    next = event.seq + 1;
    last = event;
    events++;
    if (batch.length >= BATCH_EVENTS) flush();
  }
  if (!checked) return undefined;
  flush();
  return { next, events, textBytes };
}

function writeBatch(db: Database.Database, id: number, rows: readonly Row[], from: number, next: number, hash: string | null, window: WriteWindow): void {
  window.write(() => {
    const current = db.prepare("SELECT next_seq FROM docs WHERE id = ?").get(id) as { next_seq: number } | undefined;
    if (current?.next_seq !== from) throw new Overtaken();
    const insertEvent = db.prepare("INSERT INTO events(id, ts, type, role, tool, vis, user_text) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const insertText = db.prepare("INSERT INTO fts(rowid, body, thinking) VALUES (?, ?, ?)");
    for (const row of rows) {
      const rowid = rowidOf(id, row.seq);
      insertEvent.run(rowid, row.ts, row.type, row.role, row.tool, row.vis, row.userText);
      insertText.run(rowid, row.body, row.thinking);
    }
    db.prepare("UPDATE docs SET next_seq = ?, last_hash = ? WHERE id = ?").run(next, hash, id);
  }, refused);
}

/** An event's row: its words, and what decides who may see it; undefined for one no query can find or title by. */
function rowOf(event: SourceEvent, redactor: Redactor): Row | undefined {
  const fields = indexedFields(event, redactor);
  const body = documentText(fields.body);
  const thinking = documentText(fields.thinking);
  const role = typeof event.payload.role === "string" ? event.payload.role : null;
  const userText = event.type === "message" && role === "user" && String(event.payload.text ?? "").trim() !== "" ? 1 : 0;
  if (userText === 0 && !hasWords(body) && !hasWords(thinking)) return undefined;
  const tool = typeof event.payload.toolName === "string" ? event.payload.toolName : null;
  return { seq: event.seq, ts: Number.isFinite(event.timestamp) ? event.timestamp : null, type: event.type, role, tool, vis: event.visibility ?? null, userText, body, thinking };
}

function eventHash(event: SourceEvent): string {
  return createHash("sha256").update(JSON.stringify([event.id, event.type, event.timestamp, event.payload])).digest("base64url");
}

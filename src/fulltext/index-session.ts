import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { indexedValues } from "../engine/search/searchable.js";
import type { ReadStats, SessionInfo, SourceEvent } from "../sources/session.js";
import { MAX_SEQ } from "./database.js";
import type { Row } from "./doc-writer.js";
import type { IndexWriter } from "./index-writer.js";

/** Events handed to the writer at a time (fewer when their text passes BATCH_CHARS). */
const BATCH_EVENTS = 2000;
const BATCH_CHARS = 256 * 1024;

type Doc = { id: number; version: string; mark: string; next_seq: number; last_hash: string | null; seen_day: number };

export type SessionIndexed = "unchanged" | "appended" | "rebuilt" | "not indexable" | "failed";
export type SessionResult = { outcome: SessionIndexed; events: number; textBytes: number };

/** A document past the bounds of a row id (database.ts): its session is scanned. */
class OutOfBounds extends Error {}

/** The day number (UTC) a document was last found in a listing: documents not seen for long are dropped. */
export function today(now = Date.now()): number {
  return Math.floor(now / 86_400_000);
}

/** What the writer made of a session: known later (`written`), so the next session is read while this one is written. */
export type SessionSent = { written: Promise<SessionResult> };

const settled = (result: SessionResult): SessionSent => ({ written: Promise.resolve(result) });

/**
 * Brings one session's document up to date: nothing when its transcript is unchanged; the events
 * after the last indexed one when it only grew (checked: the last indexed event is still the same);
 * every event, the old ones dropped first, when it was rewritten. Batches are handed to the writer
 * as they are read, and the document's version only at the end: until then a query scans the
 * session. Resolves once the session is read and handed over.
 */
export async function indexSession(
  db: Database.Database,
  session: SessionInfo,
  stats: ReadStats,
  writer: IndexWriter,
): Promise<SessionSent> {
  const state = session.contentState?.();
  if (!state || session.missingTranscript?.() !== undefined) return settled({ outcome: "not indexable", events: 0, textBytes: 0 });
  // (what the writer has not committed yet is not seen here: it looks a document up again before changing it)
  const doc = db.prepare("SELECT id, version, mark, next_seq, last_hash, seen_day FROM docs WHERE name = ?").get(state.id) as Doc | undefined;
  if (doc && doc.version === state.version) {
    if (doc.seen_day < today()) writer.send({ op: "seen", ticket: writer.ticket().id, doc: doc.id, day: today() });
    return settled({ outcome: "unchanged", events: 0, textBytes: 0 });
  }
  const mark = state.mark(); // before reading: what is read is at least what the mark stands for
  const appending = doc !== undefined && doc.next_seq > 0 && doc.last_hash !== null && state.grewFrom(doc.mark);
  const ticket = writer.ticket();
  const finished = (how: "appended" | "rebuilt", read: { events: number }): SessionSent => ({
    written: ticket.written.then(({ outcome, textBytes }): SessionResult => {
      if (outcome === "done") return { outcome: how, events: read.events, textBytes };
      return { outcome: outcome === "out of bounds" ? "not indexable" : outcome === "overtaken" ? "unchanged" : "failed", events: 0, textBytes: 0 };
    }),
  });
  try {
    if (appending) {
      writer.send({ op: "append", ticket: ticket.id, doc: doc.id });
      const appended = await readInto(writer, ticket.id, session, stats, doc.next_seq, doc.last_hash);
      if (appended !== undefined) {
        writer.send({ op: "finish", ticket: ticket.id, next: appended.next, version: state.version, mark, day: today() });
        return finished("appended", appended);
      }
    }
    writer.send({ op: "restart", ticket: ticket.id, name: state.id, day: today() });
    const rebuilt = (await readInto(writer, ticket.id, session, stats, 0, null))!;
    writer.send({ op: "finish", ticket: ticket.id, next: rebuilt.next, version: state.version, mark, day: today() });
    return finished("rebuilt", rebuilt);
  } catch (error) {
    writer.send({ op: "abandon", ticket: ticket.id });
    if (error instanceof OutOfBounds) return settled({ outcome: "not indexable", events: 0, textBytes: 0 });
    throw error;
  }
}

/**
 * Reads the session's events from seq `from` on and hands them to the writer; with `lastHash`, the
 * event before `from` must still hash to it (else undefined, nothing sent: the transcript was
 * rewritten, not appended to).
 */
async function readInto(
  writer: IndexWriter,
  ticket: number,
  session: SessionInfo,
  stats: ReadStats,
  from: number,
  lastHash: string | null,
): Promise<{ next: number; events: number } | undefined> {
  let next = from;
  let checked = lastHash === null;
  let events = 0;
  let batch: Row[] = [];
  let batchChars = 0;
  // the last event read: its hash (the mark an append is checked against) is taken only when sent
  let last: SourceEvent | undefined;
  const hash = () => (last ? eventHash(last) : lastHash);
  const flush = () => {
    writer.send({ op: "rows", ticket, rows: batch, from, next, hash: hash(), chars: batchChars });
    from = next;
    batch = [];
    batchChars = 0;
    return writer.room();
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
    const row = rowOf(event);
    batch.push(row);
    batchChars += charsOf(row.body, 0) + charsOf(row.thinking, 0);
    next = event.seq + 1;
    last = event;
    events++;
    if (batch.length >= BATCH_EVENTS || batchChars >= BATCH_CHARS) await flush();
  }
  if (!checked) return undefined;
  await flush();
  return { next, events };
}

/** An event's row: its searchable values, and what decides who may see it (the writer redacts them and makes its text). */
function rowOf(event: SourceEvent): Row {
  const { body, thinking } = indexedValues(event);
  const role = typeof event.payload.role === "string" ? event.payload.role : null;
  const userText = event.type === "message" && role === "user" && String(event.payload.text ?? "").trim() !== "" ? 1 : 0;
  const tool = typeof event.payload.toolName === "string" ? event.payload.toolName : null;
  return { seq: event.seq, ts: Number.isFinite(event.timestamp) ? event.timestamp : null, type: event.type, role, tool, vis: event.visibility ?? null, userText, body, thinking };
}

/** About how much text a value holds (its strings' characters), for the bound on what is on its way to the writer. */
function charsOf(value: unknown, depth: number): number {
  if (typeof value === "string") return value.length;
  if (typeof value !== "object" || value === null || depth > 32) return 8;
  let chars = 0;
  if (Array.isArray(value)) for (const item of value) chars += charsOf(item, depth + 1);
  else for (const key in value) chars += key.length + charsOf((value as Record<string, unknown>)[key], depth + 1);
  return chars;
}

function eventHash(event: SourceEvent): string {
  return createHash("sha256").update(JSON.stringify([event.id, event.type, event.timestamp, event.payload])).digest("base64url");
}

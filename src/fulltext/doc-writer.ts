import type Database from "better-sqlite3";
import type { Redactor } from "../engine/redact.js";
import { redactedStrings } from "../engine/search/searchable.js";
import { MAX_DOC_ID, rowidOf, rowidsOf } from "./database.js";
import { documentText, hasWords } from "./document-text.js";
import { WriteWindow } from "./write-window.js";

/**
 * An event as the reading side hands it over: its searchable values (searchable.ts indexedValues, not
 * yet redacted), and what decides who may see it. The writer redacts them and makes its columns' text
 * (document-text.ts), and leaves out an event with no word to find and no user text to title by.
 */
export type Row = { seq: number; ts: number | null; type: string; role: string | null; tool: string | null; vis: string | null; userText: 0 | 1; body: unknown[]; thinking: unknown[] };

/**
 * What the reading side asks of the writer, in order, each about one ticket (one session's document
 * in one pass): `seen` (unchanged, found in a listing again), `restart` (emptied, or made) or `append`
 * (to the document read), then `rows` (a batch), then `finish` (its version written: current) or
 * `abandon` (left as it is: not current). `commit` ends the pass's writes.
 */
export type WriteOp =
  | { op: "seen"; ticket: number; doc: number; day: number }
  | { op: "restart"; ticket: number; name: string; day: number }
  | { op: "append"; ticket: number; doc: number }
  | { op: "rows"; ticket: number; rows: Row[]; from: number; next: number; hash: string | null; chars: number }
  | { op: "finish"; ticket: number; next: number; version: string; mark: string; day: number }
  | { op: "abandon"; ticket: number }
  | { op: "commit"; id: number };

/**
 * What became of a ticket: `done` (its version written), `overtaken` (another writer moved its document
 * meanwhile: left to that one), `out of bounds` (past what a row id holds: its session is scanned),
 * `failed` (a write failed; the window was rolled back: indexed again on the next pass).
 */
export type TicketOutcome = "done" | "overtaken" | "out of bounds" | "failed" | "abandoned";

/** What a writer is made from: its database's path, and the config's redaction patterns beyond the built-in ones. */
export type WriterSetup = { path: string; redactPatterns: string[] };

export type WriteReply =
  | { reply: "ticket"; ticket: number; outcome: TicketOutcome; textBytes: number }
  | { reply: "rows"; chars: number }
  | { reply: "committed"; id: number; error?: string };

/** A ticket's document (known once restarted or appended to), how it failed if it did, and the text it wrote. */
type Ticket = { doc: number | undefined; failed?: TicketOutcome; textBytes: number };

/** Another writer moved the same document meanwhile: this pass leaves it to that one. */
class Overtaken extends Error {}
/** A document past the bounds of a row id (database.ts): its session is scanned. */
class OutOfBounds extends Error {}

/**
 * The writing side of an index pass, on its own connection (in a worker thread when built, see
 * index-writer.ts): it applies the reading side's requests in order, in write windows (write-window.ts),
 * and answers for each ticket once it is finished or has failed. A ticket that failed ignores the rest
 * of its requests.
 */
export class DocWriter {
  private readonly window: WriteWindow;
  private readonly docs = new Map<number, Ticket>();
  /** Statements prepared once (a pass runs thousands of batches). */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly redactor: Redactor,
    private readonly send: (reply: WriteReply) => void,
  ) {
    this.window = new WriteWindow(db);
  }

  handle(op: WriteOp): void {
    if (op.op === "commit") {
      let error: string | undefined;
      try {
        this.window.close();
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      this.docs.clear();
      this.send({ reply: "committed", id: op.id, ...(error !== undefined ? { error } : {}) });
      return;
    }
    const ticket = this.docs.get(op.ticket) ?? { doc: undefined, textBytes: 0 };
    this.docs.set(op.ticket, ticket);
    if (ticket.failed === undefined) {
      try {
        this.apply(op, ticket);
      } catch (error) {
        ticket.failed = error instanceof Overtaken ? "overtaken" : error instanceof OutOfBounds ? "out of bounds" : "failed";
      }
    }
    if (op.op === "rows") this.send({ reply: "rows", chars: op.chars });
    if (op.op === "finish" || op.op === "abandon" || op.op === "seen") {
      this.docs.delete(op.ticket);
      const outcome = ticket.failed ?? (op.op === "abandon" ? "abandoned" : "done");
      this.send({ reply: "ticket", ticket: op.ticket, outcome, textBytes: ticket.textBytes });
    }
    this.window.commitIfDue();
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) this.statements.set(text, (statement = this.db.prepare(text)));
    return statement;
  }

  private apply(op: Exclude<WriteOp, { op: "commit" }>, ticket: Ticket): void {
    switch (op.op) {
      case "seen":
        // (no write, so no wait for another writer, for a document already seen today)
        this.window.write(() => this.sql("UPDATE docs SET seen_day = ? WHERE id = ? AND seen_day < ?").run(op.day, op.doc, op.day), refused);
        return;
      case "append":
        ticket.doc = op.doc;
        return;
      case "restart":
        ticket.doc = this.window.write(() => this.restart(op.name, op.day), refused);
        return;
      case "rows":
        this.window.write(() => this.writeRows(ticket, op.rows, op.from, op.next, op.hash), refused);
        return;
      case "finish":
        this.window.write(() => {
          const done = this.sql("UPDATE docs SET version = ?, mark = ?, seen_day = ? WHERE id = ? AND next_seq = ?").run(op.version, op.mark, op.day, ticket.doc, op.next);
          if (done.changes === 0) throw new Overtaken();
        }, refused);
        return;
      case "abandon":
        return;
    }
  }

  /** Empties a document (or makes it): no version, nothing indexed. Looked up here: the reading side sees only what was committed. */
  private restart(name: string, day: number): number {
    const found = this.sql("SELECT id FROM docs WHERE name = ?").get(name) as { id: number } | undefined;
    if (found) {
      dropRows(this.db, found.id);
      this.sql("UPDATE docs SET version = '', mark = '', next_seq = 0, last_hash = NULL, seen_day = ? WHERE id = ?").run(day, found.id);
      return found.id;
    }
    const { last } = this.sql("SELECT coalesce(max(id), 0) AS last FROM docs").get() as { last: number };
    if (last + 1 > MAX_DOC_ID) throw new OutOfBounds();
    const made = this.sql("INSERT INTO docs(name, version, mark, next_seq, last_hash, seen_day) VALUES (?, '', '', 0, NULL, ?)").run(name, day);
    return Number(made.lastInsertRowid);
  }

  private writeRows(ticket: Ticket, rows: readonly Row[], from: number, next: number, hash: string | null): void {
    const id = ticket.doc!;
    const current = this.sql("SELECT next_seq FROM docs WHERE id = ?").get(id) as { next_seq: number } | undefined;
    if (current?.next_seq !== from) throw new Overtaken();
    const insertEvent = this.sql("INSERT INTO events(id, ts, type, role, tool, vis, user_text) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const insertText = this.sql("INSERT INTO fts(rowid, body, thinking) VALUES (?, ?, ?)");
    let textBytes = 0;
    for (const row of rows) {
      // (redacted as for `internal` clearance: a secret is never findable by its value)
      const body = documentText(redactedStrings(row.body, this.redactor));
      const thinking = documentText(redactedStrings(row.thinking, this.redactor));
      if (row.userText === 0 && !hasWords(body) && !hasWords(thinking)) continue;
      const rowid = rowidOf(id, row.seq);
      insertEvent.run(rowid, row.ts, row.type, row.role, row.tool, row.vis, row.userText);
      insertText.run(rowid, body, thinking);
      textBytes += Buffer.byteLength(body) + Buffer.byteLength(thinking);
    }
    this.sql("UPDATE docs SET next_seq = ?, last_hash = ? WHERE id = ?").run(next, hash, id);
    // (counted once written: a batch the window rolls back fails its ticket, whose count is not used)
    ticket.textBytes += textBytes;
  }
}

/** Deletes a document's indexed events. */
export function dropRows(db: Database.Database, doc: number): void {
  const range = rowidsOf(doc);
  db.prepare("DELETE FROM fts WHERE rowid IN (SELECT id FROM events WHERE id BETWEEN @first AND @last)").run(range);
  db.prepare("DELETE FROM events WHERE id BETWEEN @first AND @last").run(range);
}

/** Whether a write gave up before writing anything (the window goes on). */
function refused(error: unknown): boolean {
  return error instanceof Overtaken || error instanceof OutOfBounds;
}

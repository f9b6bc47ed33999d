import { Worker } from "node:worker_threads";
import { builtWorkerScript } from "../app/worker-script.js";
import { createRedactor } from "../engine/redact.js";
import { openWriterConnection } from "./database.js";
import { DocWriter, type TicketOutcome, type WriteOp, type WriteReply, type WriterSetup } from "./doc-writer.js";

/** Text (in characters) handed to the writer and not yet written, at most (the reading side waits beyond it): bounds the memory between the two. */
const MAX_IN_FLIGHT_CHARS = 1024 * 1024;

/** The writer's young generation: what it receives lives until written, a moment (V8's default would add tens of MB of peak RSS). */
const WORKER_YOUNG_GENERATION_MB = 4;

/** The writer's script, none when run from the TypeScript sources (the writer then runs in this thread). */
const WORKER_FILE = builtWorkerScript(import.meta.url, "./writer-worker.js");

/** What became of a ticket, and the bytes (UTF-8) of the text it wrote. */
export type TicketWritten = { outcome: TicketOutcome; textBytes: number };
const FAILED: TicketWritten = { outcome: "failed", textBytes: 0 };

/** Where the writer runs: a worker thread (built code), or this thread (run from source, as the tests do). */
type Link = { post(op: WriteOp): void; hold(held: boolean): void; close(): void };

/**
 * The reading side's handle on an index pass's writer (doc-writer.ts): requests are sent in order and
 * not waited for, so that reading, redacting and folding the next events goes on while SQLite
 * tokenizes and writes the last ones (in a worker thread: the two take a core each). Each ticket's
 * outcome comes later; `room()` waits while too much text is on its way.
 */
export class IndexWriter {
  private readonly link: Link;
  private nextTicket = 1;
  private nextCommit = 1;
  private inFlight = 0;
  private roomWaiters: Array<() => void> = [];
  private readonly outcomes = new Map<number, (written: TicketWritten) => void>();
  private readonly commits = new Map<number, (error: string | undefined) => void>();
  private broken: string | undefined;

  /** `redactPatterns`: the config's patterns beyond the built-in ones (the writer redacts). */
  constructor(path: string, redactPatterns: readonly string[]) {
    const receive = (reply: WriteReply) => this.receive(reply);
    const setup: WriterSetup = { path, redactPatterns: [...redactPatterns] };
    this.link = WORKER_FILE !== undefined ? workerLink(WORKER_FILE, setup, receive, (why) => this.fail(why)) : threadLink(setup, receive);
  }

  /** A new ticket (one session's document in this pass), and what will become of it. */
  ticket(): { id: number; written: Promise<TicketWritten> } {
    const id = this.nextTicket++;
    const written = this.broken !== undefined ? Promise.resolve(FAILED) : new Promise<TicketWritten>((resolve) => this.outcomes.set(id, resolve));
    return { id, written };
  }

  send(op: WriteOp): void {
    if (this.broken !== undefined) throw new Error(this.broken);
    if (op.op === "rows") this.inFlight += op.chars;
    this.link.post(op);
  }

  /** Waits while the text sent and not yet written is over its bound. */
  room(): Promise<void> {
    if (this.inFlight <= MAX_IN_FLIGHT_CHARS || this.broken !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Commits what was sent (after every earlier request is applied); the writer is held (kept running) until then. */
  commit(): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(new Error(this.broken));
    const id = this.nextCommit++;
    this.link.hold(true);
    return new Promise<void>((resolve, reject) => {
      this.commits.set(id, (error) => {
        if (this.commits.size === 0) this.link.hold(false);
        if (error === undefined) resolve();
        else reject(new Error(error));
      });
      this.link.post({ op: "commit", id });
    });
  }

  /** Starts a pass: the writer is held until it commits. */
  begin(): void {
    this.link.hold(true);
  }

  close(): void {
    this.link.close();
  }

  private receive(reply: WriteReply): void {
    switch (reply.reply) {
      case "rows":
        this.inFlight -= reply.chars;
        if (this.inFlight <= MAX_IN_FLIGHT_CHARS) for (const wake of this.roomWaiters.splice(0)) wake();
        return;
      case "ticket": {
        const resolve = this.outcomes.get(reply.ticket);
        this.outcomes.delete(reply.ticket);
        resolve?.({ outcome: reply.outcome, textBytes: reply.textBytes });
        return;
      }
      case "committed": {
        const done = this.commits.get(reply.id);
        this.commits.delete(reply.id);
        done?.(reply.error);
        return;
      }
    }
  }

  /** The worker is gone: every wait ends, outcomes as failed (its writes not committed are indexed again on the next pass). */
  private fail(why: string): void {
    this.broken = why;
    for (const resolve of this.outcomes.values()) resolve(FAILED);
    this.outcomes.clear();
    for (const done of this.commits.values()) done(why);
    this.commits.clear();
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}

function workerLink(script: string, setup: WriterSetup, receive: (reply: WriteReply) => void, fail: (why: string) => void): Link {
  const worker = new Worker(script, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  worker.on("message", receive);
  worker.on("error", (error) => fail(`the full-text writer failed: ${error.message}`));
  worker.on("exit", (code) => fail(`the full-text writer exited (${code})`));
  // (idle, it does not keep the process running)
  worker.unref();
  return {
    post: (op) => worker.postMessage(op),
    hold: (held) => (held ? worker.ref() : worker.unref()),
    close: () => {
      worker.removeAllListeners("exit");
      void worker.terminate();
    },
  };
}

function threadLink(setup: WriterSetup, receive: (reply: WriteReply) => void): Link {
  const db = openWriterConnection(setup.path);
  const writer = new DocWriter(db, createRedactor(setup.redactPatterns), receive);
  return { post: (op) => writer.handle(op), hold: () => undefined, close: () => db.close() };
}

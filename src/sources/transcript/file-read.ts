import { hash } from "node:crypto";
import { lstatSync, readSync } from "node:fs";
import { openConfined, type OpenedFile } from "../confined-open.js";
import { giveBack, lendAgain, takeOpen, type KeptFile } from "../kept-open.js";
import { confinedRealPath, realRootOf, type ListingFs } from "../paths.js";
import type { TranscriptRead, TranscriptStamp } from "../session.js";
import { readLines, type LineBudget } from "./line-reader.js";
import type { RawLine } from "./transcript-events.js";
import { TURN, withoutTurns, type Turn } from "./turns.js";

/** A transcript's descriptor lent for a read, and the real paths it was lent by. */
type Taken = { file: KeptFile; root: string; real: string };

/** A file modified this recently may be in the middle of a write. */
const RECENT_WRITE_MS = 30_000;

/** A transcript file, read by byte ranges; remembers how far it got so growth since can be detected. */
export class FileRead implements TranscriptRead {
  readonly id: string;
  private real: string | undefined;
  private furthest = 0;
  /** The file the last read of it read through, as it gave it back. */
  private lastRead: Taken | undefined;

  constructor(
    private readonly root: string,
    private readonly path: string,
    /** The listing's file-metadata cache: the version and the real path are taken as of the listing. */
    private readonly listing?: ListingFs,
  ) {
    this.id = `file:${path}`;
  }

  *lines(from = 0, to?: number, whole = false, budget?: LineBudget): Generator<RawLine | Turn> {
    const taken = this.take();
    if (!taken) return; // missing, a link that leads out of its directory, or no longer a regular file
    try {
      yield* this.linesOf(taken.file, from, to, whole, budget);
    } finally {
      giveBack(taken.root, taken.real, taken.file);
      this.lastRead = taken;
    }
  }

  private *linesOf(file: KeptFile, from: number, to: number | undefined, whole: boolean, budget?: LineBudget): Generator<RawLine | Turn> {
    for (const line of readLines(file.fd, { start: from, end: to ?? file.info.size, wholeLines: whole, budget, readAhead: file.readAhead })) {
      if (line === TURN) {
        yield TURN;
        continue;
      }
      if (line.stopped) {
        yield { text: "", bytes: line.end - line.offset, at: line.offset, complete: false, stopped: true };
        return;
      }
      this.furthest = Math.max(this.furthest, line.end);
      const writtenRecently = !line.complete && this.modifiedWithin(RECENT_WRITE_MS);
      yield {
        text: line.text,
        bytes: line.end - line.offset,
        at: line.offset,
        next: line.end,
        complete: line.complete,
        oversized: line.oversized,
        writtenRecently,
      };
    }
  }

  readThrough(next: number): void {
    this.furthest = Math.max(this.furthest, next);
  }

  grown(): boolean {
    return this.end() > this.furthest;
  }

  end(): number {
    return this.stat()?.size ?? 0;
  }

  stamp(): TranscriptStamp {
    const info = this.stat();
    if (!info) return { end: 0, holder: "missing", changed: "" };
    // (the change time too: a tool that restores the modification time after an edit cannot restore it)
    const changedTells = info.mtimeMs % 1000 !== 0 && info.ctimeMs % 1000 !== 0;
    return { end: info.size, holder: String(info.ino), changed: `${info.mtimeMs}:${info.ctimeMs}`, changedTells };
  }

  version(): string {
    const real = this.resolve();
    const info = real && this.listing ? this.listing.stat(real) : this.stat();
    return info ? `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}` : "missing";
  }

  firstLine(): string | undefined {
    for (const line of withoutTurns(this.lines(0))) return line.text;
    return undefined;
  }

  fingerprint(at: number, afterRead = false): string {
    // (right after a read, through the descriptor it read: a walk's page that extends the index then
    // takes the file once, not twice)
    const taken = (afterRead && this.takeLastRead()) || this.take();
    if (!taken) return "missing";
    const { fd } = taken.file;
    // synchronous, like the line reader: two 64-byte reads of a page-cached file take microseconds,
    // and a walk asks for a fingerprint on every page
    try {
      // the head, the tail and the end's digits, hashed at once (bytes not read, of a file cut shorter, stay zero)
      const n = Math.min(64, at);
      const digits = String(at);
      const bytes = Buffer.alloc(2 * n + digits.length);
      readSync(fd, bytes, 0, n, 0);
      readSync(fd, bytes, n, n, at - n);
      bytes.write(digits, 2 * n, "latin1");
      return hash("sha1", bytes, "base64url");
    } finally {
      giveBack(taken.root, taken.real, taken.file);
    }
  }

  /** The file's real path when it is a regular file confined to its directory. */
  realPath(): string | undefined {
    return this.resolve();
  }

  /** The file opened and checked for what it is now (see openConfined); the caller closes it. */
  open(): OpenedFile | undefined {
    const at = this.located();
    return at && openConfined(at.root, at.real);
  }

  /** The file opened and checked as `open` does, or its descriptor kept from the last read of it (see takeOpen); given back after. */
  private take(): Taken | undefined {
    const at = this.located();
    if (!at) return undefined;
    const file = takeOpen(at.root, at.real);
    return file && { file, ...at };
  }

  /** The file the last read read through, if no other read took it since (see lendAgain). */
  private takeLastRead(): Taken | undefined {
    const last = this.lastRead;
    this.lastRead = undefined;
    return last && lendAgain(last.root, last.real, last.file) && last;
  }

  /** The file's real path and its root's, when it is confined to its directory and the root is still there. */
  private located(): { real: string; root: string } | undefined {
    const real = this.resolve();
    if (!real) return undefined;
    try {
      return { real, root: realRootOf(this.root, this.listing) };
    } catch {
      return undefined; // the root itself is gone
    }
  }

  private resolve(): string | undefined {
    this.real ??= confinedRealPath(this.root, this.path, this.listing);
    return this.real;
  }

  /** Metadata only (content is read through a checked descriptor): a link swapped in is not followed. */
  private stat(): { size: number; ino: number; mtimeMs: number; ctimeMs: number } | undefined {
    const real = this.resolve();
    if (!real) return undefined;
    try {
      const info = lstatSync(real);
      return info.isFile() ? info : undefined;
    } catch {
      return undefined;
    }
  }

  private modifiedWithin(ms: number): boolean {
    const info = this.stat();
    return info !== undefined && Date.now() - info.mtimeMs <= ms;
  }
}

import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { confinedRealPath } from "../paths.js";
import type { TranscriptRead } from "../session.js";
import { readLines } from "./line-reader.js";
import type { RawLine } from "./transcript-events.js";

/** A file modified this recently may be in the middle of a write. */
const RECENT_WRITE_MS = 30_000;

/** A transcript file, read by byte ranges; remembers how far it got so growth since can be detected. */
export class FileRead implements TranscriptRead {
  readonly id: string;
  private real: string | undefined;
  private readThrough = 0;

  constructor(
    private readonly root: string,
    private readonly path: string,
  ) {
    this.id = `file:${path}`;
  }

  async *lines(from = 0, to?: number): AsyncGenerator<RawLine> {
    const real = await this.resolve();
    if (!real) return; // missing, or a link that leads out of its directory
    for await (const line of readLines(real, { start: from, end: to })) {
      this.readThrough = Math.max(this.readThrough, line.end);
      const writtenRecently = !line.complete && (await this.modifiedWithin(RECENT_WRITE_MS));
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

  async grown(): Promise<boolean> {
    return (await this.end()) > this.readThrough;
  }

  async end(): Promise<number> {
    const real = await this.resolve();
    if (!real) return 0;
    try {
      return (await stat(real)).size;
    } catch {
      return 0;
    }
  }

  async fingerprint(at: number): Promise<string> {
    const real = await this.resolve();
    if (!real) return "missing";
    const handle = await open(real, "r");
    try {
      const head = Buffer.alloc(Math.min(64, at));
      const tail = Buffer.alloc(Math.min(64, at));
      await handle.read(head, 0, head.length, 0);
      await handle.read(tail, 0, tail.length, at - tail.length);
      return createHash("sha1").update(head).update(tail).update(String(at)).digest("base64url");
    } finally {
      await handle.close();
    }
  }

  private async resolve(): Promise<string | undefined> {
    this.real ??= await confinedRealPath(this.root, this.path);
    return this.real;
  }

  private async modifiedWithin(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await stat(this.real!)).mtimeMs <= ms;
    } catch {
      return false;
    }
  }
}

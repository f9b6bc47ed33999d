import { stat } from "node:fs/promises";
import { confinedRealPath } from "../paths.js";
import type { TranscriptRead } from "../session.js";
import { readLines } from "./line-reader.js";
import type { RawLine } from "./transcript-events.js";

/** A file modified this recently may be in the middle of a write. */
const RECENT_WRITE_MS = 30_000;

/** One read of a transcript file, remembering how far it got so growth since can be detected. */
export class FileRead implements TranscriptRead {
  private real: string | undefined;
  private readThrough = 0;

  constructor(
    private readonly root: string,
    private readonly path: string,
  ) {}

  async *lines(): AsyncGenerator<RawLine> {
    this.real = await confinedRealPath(this.root, this.path);
    if (!this.real) return; // missing, or a link that leads out of the sessions dir
    for await (const line of readLines(this.real)) {
      this.readThrough = line.end;
      const writtenRecently = !line.complete && (await this.modifiedWithin(RECENT_WRITE_MS));
      yield { text: line.text, bytes: line.end - line.offset, complete: line.complete, oversized: line.oversized, writtenRecently };
    }
  }

  private async modifiedWithin(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await stat(this.real!)).mtimeMs <= ms;
    } catch {
      return false;
    }
  }

  async grown(): Promise<boolean> {
    const current = this.real ?? (await confinedRealPath(this.root, this.path));
    if (!current) return false;
    try {
      return (await stat(current)).size > this.readThrough;
    } catch {
      return false;
    }
  }
}

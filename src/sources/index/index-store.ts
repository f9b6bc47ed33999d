import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TranscriptRead } from "../session.js";
import type { NormalizerState } from "../transcript/normalize.js";
import { DEFAULT_INTERVAL_BYTES, emptyIndex, type TranscriptIndex } from "./transcript-index.js";

type Entry = { index: TranscriptIndex; checkedAtEnd: number };

/** Where a page stopped reading, so the next page of the walk starts right there (memory only). */
export type Resume = { at: number; state: NormalizerState };

const RESUME_POINTS_PER_TRANSCRIPT = 8;

/**
 * Transcript indexes, kept in memory (most recently used) and on disk under the user's cache dir,
 * never inside a store. An index is trusted only while the transcript's content up to the indexed
 * end is unchanged (same fingerprint); a rewritten transcript is indexed again from the start.
 */
export class IndexStore {
  private readonly memory = new Map<string, Entry>();
  private readonly resumes = new Map<string, Resume[]>();

  constructor(
    /** Where indexes persist; undefined keeps them in memory only. */
    private readonly dir: string | undefined,
    /** Bytes of transcript per interval: the most a seek reads before the events it wants. */
    readonly intervalBytes = DEFAULT_INTERVAL_BYTES,
    private readonly maxEntries = 8192,
  ) {}

  /** The index of a transcript, valid for its current content (possibly empty). */
  async load(read: TranscriptRead): Promise<TranscriptIndex> {
    const end = await read.end();
    const entry = this.memory.get(read.id) ?? this.fromDisk(read.id);
    if (entry) {
      this.memory.delete(read.id);
      if (entry.checkedAtEnd === end && entry.index.end <= end) {
        this.memory.set(read.id, entry);
        return entry.index;
      }
      if (entry.index.end <= end && (entry.index.end === 0 || (await read.fingerprint(entry.index.end)) === entry.index.print)) {
        this.remember(read.id, { index: entry.index, checkedAtEnd: end });
        return entry.index;
      }
    }
    this.resumes.delete(read.id); // rewritten or unknown: old resume points may point anywhere
    const fresh = emptyIndex(read.id);
    this.remember(read.id, { index: fresh, checkedAtEnd: end });
    return fresh;
  }

  /** Remembers a resume point (the last few per transcript). */
  addResume(id: string, resume: Resume): void {
    const list = (this.resumes.get(id) ?? []).filter((r) => r.at !== resume.at);
    list.push(resume);
    if (list.length > RESUME_POINTS_PER_TRANSCRIPT) list.shift();
    this.resumes.delete(id);
    this.resumes.set(id, list);
    while (this.resumes.size > this.maxEntries) this.resumes.delete(this.resumes.keys().next().value!);
  }

  /** Resume points within the indexed prefix of a transcript, still valid for this index. */
  resumesFor(index: TranscriptIndex): Resume[] {
    return (this.resumes.get(index.id) ?? []).filter((r) => r.at <= index.end);
  }

  /** Keeps an extended index, unless another read extended the same one further meanwhile. */
  save(index: TranscriptIndex): void {
    const current = this.memory.get(index.id);
    if (current && current.index.end > index.end) return;
    this.remember(index.id, { index, checkedAtEnd: -1 });
    if (!this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const path = this.pathOf(index.id);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(index), { mode: 0o600 });
      renameSync(tmp, path);
    } catch {
      // a cache that cannot be written only costs speed
    }
  }

  private fromDisk(id: string): Entry | undefined {
    if (!this.dir) return undefined;
    try {
      const index = JSON.parse(readFileSync(this.pathOf(id), "utf8")) as TranscriptIndex;
      return index.v === 2 && index.id === id && Array.isArray(index.intervals) && index.intervals.length > 0
        ? { index, checkedAtEnd: -1 }
        : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(id: string, entry: Entry): void {
    this.memory.delete(id);
    this.memory.set(id, entry);
    while (this.memory.size > this.maxEntries) this.memory.delete(this.memory.keys().next().value!);
  }

  private pathOf(id: string): string {
    return join(this.dir!, `${createHash("sha256").update(id).digest("hex").slice(0, 32)}.json`);
  }
}

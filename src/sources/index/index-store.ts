import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SourceEvent, TranscriptRead } from "../session.js";
import type { NormalizerState } from "../transcript/normalize.js";
import { mergeStats, newStats, type EventStats } from "./event-stats.js";
import { DEFAULT_INTERVAL_BYTES, emptyIndex, type TranscriptIndex } from "./transcript-index.js";

/** `bytes`: about what the index takes as JSON; `writtenEnd`: the end of the copy on disk (-1: none). */
type Entry = { index: TranscriptIndex; checkedAtEnd: number; bytes: number; writtenEnd: number };

/** Stores with indexes or rollups not yet written; one exit hook writes them all (a CLI run ends before the timer). */
const unflushed = new Set<IndexStore>();
process.once("exit", () => {
  for (const store of unflushed) store.flush();
});

/** Where a page stopped reading, so the next page of the walk starts right there (memory only). */
export type Resume = { at: number; state: NormalizerState };

/** Lines a read has just turned into events, kept so the next page of a walk need not read them again. */
export type CachedRun = {
  /** Whose events these are (two sessions may share a transcript, and events carry their session). */
  owner: string;
  lines: Array<{ at: number; bytes: number; events: SourceEvent[]; skipped: [number, number] | undefined }>;
  /** Where the line after the run starts, and the normalizer state there. */
  next: number;
  state: NormalizerState;
  /** The transcript bytes of its lines (what it roughly costs to keep). */
  bytes: number;
};

/** The most transcript bytes one cached run holds, and all of them together. */
export const MAX_RUN_BYTES = 2 * 1024 * 1024;
const MAX_CACHED_RUN_BYTES = 16 * 1024 * 1024;

/** A whole transcript's totals (no hours) while it is unchanged: counts of it need not open it. */
export type Rollup = { version: string; endState: NormalizerState; stats: Record<string, EventStats> };

const RESUME_POINTS_PER_TRANSCRIPT = 8;
const ROLLUPS_FILE = "rollups-v3.json";
const FLUSH_MS = 200;
/** Index JSON bytes per interval, guessed until an index has been serialized once. */
const GUESSED_INTERVAL_JSON_BYTES = 2048;

/**
 * Transcript indexes, kept in memory (most recently used, within a byte budget) and on disk under the
 * user's cache dir, never inside a store. An index is trusted only while the transcript's content up
 * to the indexed end is unchanged (same fingerprint); a rewritten transcript is indexed again.
 */
export class IndexStore {
  private readonly memory = new Map<string, Entry>();
  private memoryBytes = 0;
  private readonly resumes = new Map<string, Resume[]>();
  private readonly runs = new Map<string, CachedRun>();
  private runBytes = 0;
  private rollups: Map<string, Rollup> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Indexes extended in memory since they were last written. */
  private readonly dirty = new Set<string>();
  private rollupsChanged = false;

  constructor(
    /** Where indexes persist; undefined keeps them in memory only. */
    private readonly dir: string | undefined,
    /** Bytes of transcript per interval: the most a seek reads before the events it wants. */
    readonly intervalBytes = DEFAULT_INTERVAL_BYTES,
    /** About how much index (as JSON) to keep in memory. */
    private readonly memoryBudget = 12 * 1024 * 1024,
  ) {}

  /** The index of a transcript, valid for its current content (possibly empty). */
  async load(read: TranscriptRead): Promise<TranscriptIndex> {
    const end = await read.end();
    const entry = this.memory.get(read.id) ?? this.fromDisk(read.id);
    if (entry) {
      if (entry.checkedAtEnd === end && entry.index.end <= end) {
        this.remember(read.id, entry);
        return entry.index;
      }
      if (entry.index.end <= end && (entry.index.end === 0 || (await read.fingerprint(entry.index.end)) === entry.index.print)) {
        this.remember(read.id, { ...entry, checkedAtEnd: end });
        return entry.index;
      }
    }
    // rewritten or unknown: old resume points and cached lines may point anywhere
    this.resumes.delete(read.id);
    this.dropRun(read.id);
    const fresh = emptyIndex(read.id);
    this.remember(read.id, { index: fresh, checkedAtEnd: end, bytes: 256, writtenEnd: -1 });
    return fresh;
  }

  /**
   * Keeps an extended index, unless another read extended the same one further meanwhile. With the
   * transcript's version (given when the index reaches its very end) its rollup is kept too.
   */
  save(index: TranscriptIndex, version?: string): void {
    const current = this.memory.get(index.id);
    if (current && current.index.end > index.end) return;
    const writtenEnd = current?.writtenEnd ?? -1;
    const perInterval = current && current.index.intervals.length > 0 ? current.bytes / current.index.intervals.length : GUESSED_INTERVAL_JSON_BYTES;
    const entry: Entry = { index, checkedAtEnd: -1, bytes: Math.round(perInterval * (index.intervals.length + 1)), writtenEnd };
    this.remember(index.id, entry);
    if (version !== undefined) this.setRollup(index, version);
    // a walk extends the index page by page: writing it whole each time would cost time quadratic in
    // its size, so it is written when it has doubled since the last write, else shortly after
    if (writtenEnd < 0 || index.end >= 2 * writtenEnd) this.write(entry);
    else {
      this.dirty.add(index.id);
      this.scheduleFlush();
    }
  }

  private write(entry: Entry): void {
    const { index } = entry;
    this.dirty.delete(index.id);
    const json = JSON.stringify(index);
    if (this.memory.get(index.id) === entry) this.memoryBytes += json.length - entry.bytes;
    entry.bytes = json.length;
    entry.writtenEnd = index.end;
    if (!this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const path = this.pathOf(index.id);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, json, { mode: 0o600 });
      renameSync(tmp, path);
    } catch {
      // a cache that cannot be written only costs speed
    }
  }

  /** The rollup of a transcript if it is still at this version. */
  rollup(id: string, version: string): Rollup | undefined {
    const rollup = this.loadRollups().get(id);
    return rollup?.version === version ? rollup : undefined;
  }

  /** Makes sure an index that covers its whole transcript has the rollup of this version. */
  ensureRollup(index: TranscriptIndex, version: string): void {
    if (this.loadRollups().get(index.id)?.version !== version) this.setRollup(index, version);
  }

  /** The cached lines of a transcript from position `at` on, if a recent read left them. */
  cachedRun(id: string, owner: string, at: number): CachedRun | undefined {
    const run = this.runs.get(id);
    if (!run || run.owner !== owner) return undefined;
    const start = run.lines.findIndex((line) => line.at === at);
    if (start < 0) return undefined;
    if (start === 0) return run;
    const lines = run.lines.slice(start);
    return { ...run, lines, bytes: lines.reduce((sum, line) => sum + line.bytes, 0) };
  }

  /** Keeps the lines a read turned into events (a bounded number, for the most recent transcripts). */
  cacheRun(id: string, run: CachedRun): void {
    this.dropRun(id);
    if (run.lines.length === 0 || run.bytes > MAX_RUN_BYTES) return;
    this.runs.set(id, run);
    this.runBytes += run.bytes;
    while (this.runBytes > MAX_CACHED_RUN_BYTES) this.dropRun(this.runs.keys().next().value!);
  }

  private dropRun(id: string): void {
    this.runBytes -= this.runs.get(id)?.bytes ?? 0;
    this.runs.delete(id);
  }

  /** Remembers a resume point (the last few per transcript). */
  addResume(id: string, resume: Resume): void {
    const list = (this.resumes.get(id) ?? []).filter((r) => r.at !== resume.at);
    list.push(resume);
    if (list.length > RESUME_POINTS_PER_TRANSCRIPT) list.shift();
    this.resumes.delete(id);
    this.resumes.set(id, list);
    while (this.resumes.size > 4096) this.resumes.delete(this.resumes.keys().next().value!);
  }

  /** Resume points within the indexed prefix of a transcript, still valid for this index. */
  resumesFor(index: TranscriptIndex): Resume[] {
    return (this.resumes.get(index.id) ?? []).filter((r) => r.at <= index.end);
  }

  private setRollup(index: TranscriptIndex, version: string): void {
    const stats: Record<string, EventStats> = {};
    for (const interval of index.intervals) {
      for (const [key, value] of Object.entries(interval.groups)) {
        const whole = `${key.slice(0, key.lastIndexOf("\t"))}\t0`;
        mergeStats((stats[whole] ??= newStats()), value);
      }
    }
    const { seq, lastTs } = index.endState;
    this.loadRollups().set(index.id, { version, endState: { seq, lastTs, pending: [] }, stats });
    this.rollupsChanged = true;
    this.scheduleFlush();
  }

  private loadRollups(): Map<string, Rollup> {
    if (this.rollups) return this.rollups;
    this.rollups = new Map();
    if (this.dir) {
      try {
        const saved = JSON.parse(readFileSync(join(this.dir, ROLLUPS_FILE), "utf8")) as Record<string, Rollup>;
        for (const [id, rollup] of Object.entries(saved)) this.rollups.set(id, rollup);
      } catch {
        // none yet, or unreadable: they are rebuilt as transcripts are read
      }
    }
    return this.rollups;
  }

  private scheduleFlush(): void {
    if (!this.dir || this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
    unflushed.add(this);
  }

  /** Writes what changed now (also done shortly after a change, and when the process exits). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    unflushed.delete(this);
    for (const id of [...this.dirty]) {
      const entry = this.memory.get(id);
      if (entry) this.write(entry);
    }
    this.dirty.clear();
    if (!this.dir || !this.rollups || !this.rollupsChanged) return;
    this.rollupsChanged = false;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const path = join(this.dir, ROLLUPS_FILE);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.rollups)), { mode: 0o600 });
      renameSync(tmp, path);
    } catch {
      // a cache that cannot be written only costs speed
    }
  }

  private fromDisk(id: string): Entry | undefined {
    if (!this.dir) return undefined;
    try {
      const json = readFileSync(this.pathOf(id), "utf8");
      const index = JSON.parse(json) as TranscriptIndex;
      return index.v === 3 && index.id === id && Array.isArray(index.intervals) && index.intervals.length > 0
        ? { index, checkedAtEnd: -1, bytes: json.length, writtenEnd: index.end }
        : undefined;
    } catch {
      return undefined;
    }
  }

  private remember(id: string, entry: Entry): void {
    const previous = this.memory.get(id);
    if (previous) {
      this.memoryBytes -= previous.bytes;
      this.memory.delete(id);
    }
    this.memory.set(id, entry);
    this.memoryBytes += entry.bytes;
    while (this.memoryBytes > this.memoryBudget && this.memory.size > 1) {
      const [oldest, dropped] = this.memory.entries().next().value!;
      if (this.dirty.has(oldest)) this.write(dropped);
      this.memory.delete(oldest);
      this.memoryBytes -= dropped.bytes;
    }
  }

  private pathOf(id: string): string {
    return join(this.dir!, `${createHash("sha256").update(id).digest("hex").slice(0, 32)}.json`);
  }
}

import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { asCacheArea, type CacheArea } from "../cache-dir.js";
import { cacheFileName, readCacheFile, readFirstLine, replaceCacheFile } from "../cache-file.js";
import type { SourceEvent, TranscriptRead, TranscriptStamp } from "../session.js";
import type { NormalizerState } from "../transcript/normalize.js";
import { StatsSum, wholeStatsKey, type EventStats } from "./event-stats.js";
import { Rollups, type Rollup } from "./rollups.js";
import { DEFAULT_INTERVAL_BYTES, emptyIndex, INDEX_VERSION, type TranscriptIndex } from "./transcript-index.js";

/** The second line of an index file: the closed intervals' groups, for the index of the first line (by its end and print). */
type SavedGroups = { end: number; print: string; groups: Array<Record<string, EventStats>> };

/** The first line of an index file: the index, and the transcript as it was when last found to match it. */
type SavedIndex = TranscriptIndex & { checked: TranscriptStamp };

/**
 * An index as its cache file: one line for seeking (the intervals without their groups, but for the
 * last, still open one), then one line with the closed intervals' groups.
 */
function serialize(index: TranscriptIndex, checked: TranscriptStamp): { seek: string; groups: string } {
  const closed = index.intervals.length - 1;
  const intervals = index.intervals.map((interval, i) => (i < closed ? { ...interval, groups: undefined } : interval));
  const seek: SavedIndex = { ...index, groupsIn: undefined, intervals, checked };
  const groups: SavedGroups = { end: index.end, print: index.print, groups: index.intervals.slice(0, closed).map((interval) => interval.groups ?? {}) };
  return { seek: JSON.stringify(seek), groups: JSON.stringify(groups) };
}

/**
 * `checked`: the transcript as it was when its prefix was last found to be the one indexed; `bytes`:
 * about what the index takes in memory, as JSON; `writtenEnd`: the end of the copy on disk (-1: none);
 * `seekBytes`: set while the file holds this very index, the JSON size of its seek line (what the entry
 * shrinks to when its summaries are left on disk).
 */
type Entry = { index: TranscriptIndex; checked: TranscriptStamp; bytes: number; writtenEnd: number; seekBytes?: number };

/** Stores with indexes or rollups not yet written; one exit hook writes them all (a CLI run ends before the timer). */
const unflushed = new Set<IndexStore>();
process.once("exit", () => flushIndexes());

/** Writes every store's pending indexes and rollups now (done at exit anyway). */
export function flushIndexes(): void {
  for (const store of unflushed) store.flush();
}

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

/**
 * The most transcript bytes one cached run holds, and all of them together (in memory, about three
 * times as much as events). Runs keep only what their walk has not yet used (see trimRun): an export of
 * 5,000 sessions kept at most 3.5 MB of that at a time.
 */
export const MAX_RUN_BYTES = 2 * 1024 * 1024;
const MAX_CACHED_RUN_BYTES = 4 * 1024 * 1024;

const RESUME_POINTS_PER_TRANSCRIPT = 8;
/** Where rollups are kept (a new version when their format changes: older files are left to pruning). */
export const ROLLUPS_VERSION = 6;
const ROLLUPS_FILE = `rollups-v${ROLLUPS_VERSION}.jsonl`;
/** Changes are written once none came for this long, or at the latest this long after the first. */
const FLUSH_MS = 200;
const FLUSH_AT_LATEST_MS = 5000;
/** Index JSON bytes per interval, guessed until an index has been serialized once. */
const GUESSED_INTERVAL_JSON_BYTES = 2048;

/**
 * Transcript indexes, kept in memory (most recently used, within a byte budget) and on disk under the
 * user's cache dir, never inside a store. An index is trusted only while the transcript's content up
 * to the indexed end is unchanged; a rewritten transcript is indexed again (see `load`).
 */
export class IndexStore {
  private readonly memory = new Map<string, Entry>();
  private memoryBytes = 0;
  private readonly resumes = new Map<string, Resume[]>();
  private readonly runs = new Map<string, CachedRun>();
  private runBytes = 0;
  private rollups: Rollups | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** When the first change not yet written came, and the last one. */
  private unflushedSince = 0;
  private changedAt = 0;
  /** Indexes whose summaries are in memory and also in their file, least recently written first. */
  private readonly sheddable = new Set<string>();
  /** Indexes extended in memory since they were last written. */
  private readonly dirty = new Set<string>();
  /** Where indexes persist (undefined: in memory only), and what their files are sealed with. */
  private readonly area: CacheArea | undefined;

  constructor(
    /** Where indexes persist: a vetted cache folder, or a folder to use as a cache dir of its own; undefined keeps them in memory only. */
    dir: string | CacheArea | undefined,
    /** Bytes of transcript per interval: the most a seek reads before the events it wants. */
    readonly intervalBytes = DEFAULT_INTERVAL_BYTES,
    /** About how much index (as JSON) to keep in memory. */
    private readonly memoryBudget = 4 * 1024 * 1024,
  ) {
    this.area = asCacheArea(dir);
  }

  private get dir(): string | undefined {
    return this.area?.dir;
  }

  /**
   * The index of a transcript, valid for its current content (possibly empty); `now`: its stamp, if
   * just taken. A transcript unchanged since it was last checked keeps its index. One whose end moved
   * in the same file was appended to, or cut back to a line's end, if its content up to the indexed end
   * still has the same fingerprint (its head and the bytes before that end). Anything else is a rewrite:
   * another file in its place, or the same end with another change time (an edit that kept the size,
   * such as a scrubbed secret, which no fingerprint of a few bytes would catch).
   */
  load(read: TranscriptRead, now: TranscriptStamp = read.stamp()): TranscriptIndex {
    const entry = this.memory.get(read.id) ?? this.fromDisk(read.id);
    if (entry && entry.index.end <= now.end) {
      const { checked } = entry;
      // (fine-grained times tell a file too, and some file systems give a file a new inode number when
      // it is looked at again)
      const sameHolder = checked.holder === now.holder || now.changedTells === true;
      if (sameHolder && checked.end === now.end && checked.changed === now.changed) {
        this.remember(read.id, entry);
        return entry.index;
      }
      const moved = checked.holder === now.holder && checked.end !== now.end;
      if (moved && (entry.index.end === 0 || read.fingerprint(entry.index.end) === entry.index.print)) {
        // (an append, most likely; but the lines kept for the next page are read again, in case it was
        // also an edit in place: no event's text then outlives the file's)
        this.dropRun(read.id);
        this.remember(read.id, { ...entry, checked: now });
        return entry.index;
      }
    }
    // rewritten or unknown: old resume points and cached lines may point anywhere
    this.resumes.delete(read.id);
    this.dropRun(read.id);
    const fresh = emptyIndex(read.id);
    this.remember(read.id, { index: fresh, checked: now, bytes: 256, writtenEnd: -1 });
    return fresh;
  }

  /**
   * Keeps an extended index, unless another read extended the same one further meanwhile. With the
   * transcript's version (given when the index reaches its very end) its rollup is kept too.
   * `checked`: the transcript as it was when its prefix was just read (and fingerprinted) for this
   * index, so the next load that finds it so need not fingerprint it again.
   */
  save(index: TranscriptIndex, checked: TranscriptStamp, version?: string): void {
    const current = this.memory.get(index.id);
    if (current && current.index.end > index.end) return;
    const writtenEnd = current?.writtenEnd ?? -1;
    const perInterval = current && current.index.intervals.length > 0 ? current.bytes / current.index.intervals.length : GUESSED_INTERVAL_JSON_BYTES;
    // (what one interval took stays the guess: scaling the last guess by its own growth would compound)
    const entry: Entry = { index, checked, bytes: Math.round(perInterval * index.intervals.length), writtenEnd };
    this.remember(index.id, entry);
    if (version !== undefined) this.setRollup(index, version);
    // a walk extends the index page by page: writing it whole each time would cost time quadratic in
    // its size, so it is written when it has doubled since the last write, else shortly after
    if (writtenEnd < 0 || index.end >= 2 * writtenEnd) {
      this.write(entry);
      this.flushedAll();
    } else if (this.dir) {
      // (an index kept in memory only has nowhere to be written later)
      this.dirty.add(index.id);
      this.scheduleFlush();
    }
  }

  private write(entry: Entry): void {
    const { index } = entry;
    this.dirty.delete(index.id);
    if (!this.withGroups(index)) return; // the file they were in was replaced: its writer's copy stands
    const { seek, groups } = serialize(index, entry.checked);
    entry.writtenEnd = index.end;
    this.resize(entry, seek.length + groups.length);
    // a transcript within one interval is read whole faster than its index file is written and read back
    if (this.area && index.intervals.length > 1 && replaceCacheFile(this.pathOf(index.id), this.sealed(index.id, seek, groups))) {
      entry.seekBytes = seek.length;
      this.sheddable.delete(index.id);
      this.sheddable.add(index.id);
    }
  }

  /**
   * Frees memory by leaving one index's summaries on disk (only counts use them; they are read back
   * when asked for), the least recently written first. False when no index in memory can.
   */
  private shedSummaries(): boolean {
    for (const id of this.sheddable) {
      this.sheddable.delete(id);
      const entry = this.memory.get(id);
      if (!entry || entry.seekBytes === undefined || entry.writtenEnd !== entry.index.end || this.dirty.has(id)) continue;
      const { index } = entry;
      for (const interval of index.intervals.slice(0, -1)) interval.groups = undefined;
      index.groupsIn = { end: index.end, print: index.print };
      this.resize(entry, entry.seekBytes);
      return true;
    }
    return false;
  }

  private resize(entry: Entry, bytes: number): void {
    if (this.memory.get(entry.index.id) === entry) this.memoryBytes += bytes - entry.bytes;
    entry.bytes = bytes;
  }

  /**
   * Gives every interval of the index its groups, reading the closed intervals' groups from the cache
   * file they were left in; false when that file has been replaced since (by another process).
   */
  withGroups(index: TranscriptIndex): boolean {
    if (index.intervals.every((interval) => interval.groups)) return true;
    const from = index.groupsIn;
    if (!from || !this.dir) return false;
    let text: string;
    let saved: SavedGroups;
    try {
      text = readCacheFile(this.pathOf(index.id)).toString("utf8");
      const groups = this.area!.mac.open(this.lineContext(index.id, "groups"), text.slice(text.indexOf("\n") + 1));
      if (groups === undefined) return false;
      saved = JSON.parse(groups) as SavedGroups;
    } catch {
      return false;
    }
    if (saved.end !== from.end || saved.print !== from.print || !Array.isArray(saved.groups)) return false;
    index.intervals.forEach((interval, i) => {
      interval.groups ??= saved.groups[i];
    });
    const entry = this.memory.get(index.id);
    if (entry && entry.index.intervals[0] === index.intervals[0]) {
      this.resize(entry, entry.bytes + text.length);
      if (entry.seekBytes !== undefined) this.sheddable.add(index.id);
    }
    return index.intervals.every((interval) => interval.groups);
  }

  /** The rollup of a transcript if it is still at this version. */
  rollup(id: string, version: string): Rollup | undefined {
    return this.loadRollups().get(id, version);
  }

  /** Makes sure an index that covers its whole transcript has the rollup of this version. */
  ensureRollup(index: TranscriptIndex, version: string): void {
    if (!this.loadRollups().has(index.id, version)) this.setRollup(index, version);
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

  /**
   * Forgets what it holds of transcripts that are gone (indexes, rollups, kept lines, resume points):
   * a long-running process would otherwise write their indexes and rollups back after a prune.
   */
  forget(gone: (id: string) => boolean): void {
    for (const id of [...this.memory.keys()].filter(gone)) {
      this.memoryBytes -= this.memory.get(id)!.bytes;
      this.memory.delete(id);
      this.dirty.delete(id);
      this.sheddable.delete(id);
    }
    for (const id of [...this.runs.keys()].filter(gone)) this.dropRun(id);
    for (const id of [...this.resumes.keys()].filter(gone)) this.resumes.delete(id);
    this.rollups?.forget(gone);
  }

  /** Remembers a resume point (the last few per transcript). */
  addResume(id: string, resume: Resume): void {
    const list = (this.resumes.get(id) ?? []).filter((r) => r.at !== resume.at);
    list.push(resume);
    if (list.length > RESUME_POINTS_PER_TRANSCRIPT) list.shift();
    this.resumes.delete(id);
    this.resumes.set(id, list);
    while (this.resumes.size > 4096) this.resumes.delete(this.resumes.keys().next().value!);
    this.trimRun(id, resume.at);
  }

  /**
   * The walk that saved a resume point goes on from there: the kept lines before it are the ones its
   * page just used, not read again. Without them the budget keeps what later pages read (a walk of
   * thousands of sessions otherwise filled most of it with lines already on its pages).
   */
  private trimRun(id: string, at: number): void {
    const run = this.runs.get(id);
    if (!run || run.lines[0]!.at >= at) return;
    const start = run.lines.findIndex((line) => line.at >= at);
    if (start < 0) {
      this.dropRun(id);
      return;
    }
    const lines = run.lines.slice(start);
    const bytes = lines.reduce((sum, line) => sum + line.bytes, 0);
    this.runBytes -= run.bytes - bytes;
    this.runs.set(id, { ...run, lines, bytes });
  }

  /** Resume points within the indexed prefix of a transcript, still valid for this index. */
  resumesFor(index: TranscriptIndex): Resume[] {
    return (this.resumes.get(index.id) ?? []).filter((r) => r.at <= index.end);
  }

  private setRollup(index: TranscriptIndex, version: string): void {
    if (!this.withGroups(index)) return;
    const sums = new Map<string, StatsSum>();
    for (const interval of index.intervals) {
      const groups = interval.groups ?? {};
      for (const key in groups) {
        const whole = wholeStatsKey(key);
        let sum = sums.get(whole);
        if (!sum) sums.set(whole, (sum = new StatsSum()));
        sum.add(groups[key]!);
      }
    }
    const stats: Record<string, EventStats> = {};
    for (const [key, sum] of sums) stats[key] = sum.result();
    const { seq, lastTs } = index.endState;
    const skipped = index.intervals.reduce((sum, interval) => sum + interval.skipped.length, 0);
    this.loadRollups().set(index.id, { version, endState: { seq, lastTs, pending: [] }, stats, skipped });
    this.scheduleFlush();
  }

  private loadRollups(): Rollups {
    this.rollups ??= Rollups.read(this.dir && join(this.dir, ROLLUPS_FILE), this.area?.mac);
    return this.rollups;
  }

  /**
   * Writes changes once they stop coming (a walk extends an index on every page: writing it whole each
   * time would cost time quadratic in its size), but no later than FLUSH_AT_LATEST_MS after the first
   * change not yet written. One timer, moved on when it fires early: a walk's pages come every few ms.
   */
  private scheduleFlush(): void {
    if (!this.dir) return;
    const now = Date.now();
    this.changedAt = now;
    if (this.flushTimer) {
      if (now - this.unflushedSince >= FLUSH_AT_LATEST_MS) this.flush();
      return;
    }
    this.unflushedSince = now;
    this.flushTimer = setTimeout(() => this.flushWhenQuiet(), FLUSH_MS).unref();
    unflushed.add(this);
  }

  private flushWhenQuiet(): void {
    const quietFor = Date.now() - this.changedAt;
    if (quietFor >= FLUSH_MS) return this.flush();
    this.flushTimer = setTimeout(() => this.flushWhenQuiet(), FLUSH_MS - quietFor).unref();
  }

  /** Forgets the pending flush once nothing is left to write (an index just written whole). */
  private flushedAll(): void {
    if (this.dirty.size > 0 || this.rollups?.changed) return;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    unflushed.delete(this);
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
    if (this.area && this.rollups?.changed) {
      const path = join(this.area.dir, ROLLUPS_FILE);
      replaceCacheFile(path, this.rollups.lines(this.area.mac, Rollups.read(path, this.area.mac)));
    }
  }

  /** An index from the cache dir: its first line only (the closed intervals' groups stay on disk until asked for). */
  private fromDisk(id: string): Entry | undefined {
    if (!this.dir) return undefined;
    const path = this.pathOf(id);
    // (a failed read throws an error with a stack: several times the cost of asking, on every first read)
    if (!existsSync(path)) return undefined;
    try {
      const json = this.area!.mac.open(this.lineContext(id, "seek"), readFirstLine(path, 256 * 1024));
      if (json === undefined) return undefined; // not written by us (or damaged): indexed anew
      const { checked, ...index } = JSON.parse(json) as SavedIndex;
      const valid = index.v === INDEX_VERSION && index.id === id && index.intervals?.length > 0 && index.intervals.at(-1)!.groups && isStamp(checked);
      if (!valid) return undefined;
      index.groupsIn = { end: index.end, print: index.print };
      return { index, checked, bytes: json.length, writtenEnd: index.end, seekBytes: json.length };
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
      if (this.shedSummaries()) continue;
      const [oldest, dropped] = this.memory.entries().next().value!;
      if (this.dirty.has(oldest)) this.write(dropped);
      this.memory.delete(oldest);
      this.memoryBytes -= dropped.bytes;
    }
  }

  private pathOf(id: string): string {
    return join(this.dir!, cacheFileName(id));
  }

  /** An index file's two lines, each sealed with its MAC (the seek line is read alone, on every first load). */
  private sealed(id: string, seek: string, groups: string): string[] {
    const { mac } = this.area!;
    return [mac.seal(this.lineContext(id, "seek"), seek), "\n", mac.seal(this.lineContext(id, "groups"), groups)];
  }

  /** What the MAC of an index file's line is bound to: its file and its place in it. */
  private lineContext(id: string, line: "seek" | "groups"): string {
    return `index ${basename(this.pathOf(id))} ${line}`;
  }
}

function isStamp(value: unknown): value is TranscriptStamp {
  const stamp = value as TranscriptStamp | undefined;
  return typeof stamp?.end === "number" && typeof stamp.holder === "string" && typeof stamp.changed === "string";
}

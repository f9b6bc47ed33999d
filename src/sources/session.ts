import type { EventType, SessionEvent, Visibility } from "../contract/event.js";
import type { SummaryChunk } from "./index/indexed-events.js";
import type { EventDetail } from "./transcript/normalize.js";
import type { LineBudget } from "./transcript/line-reader.js";
import type { RawLine } from "./transcript/transcript-events.js";
import type { Turn } from "./transcript/turns.js";

export const STORE_KINDS = ["openclaw-files", "openclaw-sqlite", "clawjs", "jetstream"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** An event as a source yields it: the engine adds `time`, decides visibility and shapes the payload. */
export type SourceEvent = Omit<SessionEvent, "time" | "visibility" | "truncated" | "redacted"> & {
  /**
   * Where the event sorts among other sessions' events: the running maximum of its transcript's times
   * up to it (a transcript's own times may step back; this never does). `timestamp` when absent.
   */
  orderTs?: number;
  /** The source's own classification (NATS events carry one); rules may still raise it. */
  visibility?: Visibility;
  /** Where a later read can resume to see this event again (just before its line); kept when saved. */
  resumePoint?: ResumePoint;
  /** The model in effect when the event happened (for grouping by model); not part of the event itself. */
  model?: string;
  /** For projections, not part of the event itself: the line's entry id, a compaction's summary text. */
  detail?: EventDetail;
};

/** A place in a transcript to resume reading at; a page saves the one of its last event for the next page. */
export interface ResumePoint {
  save(): void;
}

/** Counters a read adds to, so a query can report (and tests can check) how much work it did. */
export type ReadStats = {
  bytesRead: number;
  linesRead: number;
  skippedLines: number;
  /** Sessions a query started reading (each session entered on each page counts). */
  sessionsRead: number;
};

export function newReadStats(): ReadStats {
  return { bytesRead: 0, linesRead: 0, skippedLines: 0, sessionsRead: 0 };
}

export type TranscriptEnd = { lastTimestamp: number; nextSeq: number; grown(): boolean };

export type ReadOptions = {
  stats: ReadStats;
  /**
   * Told when the transcript ends in a line still being written: its event(s) will have at least this
   * time and seq. A query must not move its cursor past that point, or it would miss them.
   */
  pending?(timestamp: number, nextSeq: number): void;
  /** Told of each line that yielded nothing (unreadable or of unknown kind), with the event before it. */
  skippedLine?(lastTimestamp: number, lastSeq: number): void;
  /**
   * Told when the read reached the end of the transcript. `grown()` says whether the transcript has
   * been appended to since: then events after `lastTimestamp` / `nextSeq` exist that this read missed.
   */
  reachedEnd?(end: TranscriptEnd): void;
  /**
   * A hint: events earlier than `timestamp`, or (this session) at or before `seq`, may be left out;
   * an indexed source starts reading past them. The engine filters exactly either way.
   */
  skipBefore?: { timestamp?: number; seq?: number };
  /**
   * Where the query's window starts (forward reads): no page of the query starts reading a session
   * before its first event in the window, so the lines before it are not kept for a next page.
   */
  windowStart?: number;
  /** The same for a backward read: events later than `timestamp`, or at or after `seq`, may be left out. */
  skipAfter?: { timestamp?: number; seq?: number };
  /**
   * Read lines whole: fetching one event by id gives its payload uncut. Otherwise a source may cut
   * the long strings of a huge line as it reads it (marked as contract/cut-mark.ts says).
   */
  wholeLines?: boolean;
  /** A hint: only events whose own time is in this window are wanted; stretches without any may be skipped. */
  window?: { since?: number; until?: number };
  /** A hint: only these types are wanted; stretches of the transcript without any may be skipped. */
  types?: ReadonlySet<EventType>;
  /** "backward": newest first. */
  direction?: "forward" | "backward";
  /**
   * Forward reads: the bytes a query may read in all (counted in `stats.bytesRead`). Past it a read
   * asks `stopAt` (with the time and seq the session's next event will have at least, and how long the
   * line it is in is so far) whether it may end there; if so it ends, reporting no end.
   */
  scanBudget?: { bytes: number; stopAt(lastTimestamp: number, nextSeq: number, lineBytes: number): boolean };
};

/** Another registry key naming the same transcript as a session (a cron job's key beside its run's key). */
export type SessionAlias = {
  /** Canonical key. */
  key: string;
  /** As the store holds it. */
  storeKey: string;
  /** Its own entry's parent (scope follows each key's own parent, as if the keys were separate). */
  parentKey?: string;
};

/** One session as the registry knows it, with the means to read its events. */
export type SessionInfo = {
  /** Canonical key, "agent:<agentId>:<rest>". */
  key: string;
  /** The key exactly as the store holds it (differs for legacy bare keys). */
  storeKey: string;
  agent: string;
  sessionId: string;
  source: StoreKind;
  /** "earlier" for a transcript generation the key has since replaced (read only when a query asks). */
  generation: "current" | "earlier";
  /** The parent's key (spawnedBy, else parentSessionKey), canonical. */
  parentKey?: string;
  /**
   * The other registry keys that name this transcript: the session is reported once, under `key`, and a
   * query naming any of them gets it (EVENTS.md "One transcript, one set of events").
   */
  aliases?: readonly SessionAlias[];
  updatedAt?: number;
  status?: string;
  startedAt?: number;
  endedAt?: number;
  runtimeMs?: number;
  label?: string;
  displayName?: string;
  channel?: string;
  model?: string;
  /**
   * An upper bound on the time of any event of this session, when known (lets queries skip it). It may
   * cost a stat or a row lookup, so it is asked for only when a query can use it.
   */
  activity(): number | undefined;
  /** A lower bound on the time of any event of this session (its first line's time), when known. */
  earliest(): Promise<number | undefined>;
  /** false for a transcript the registry does not list (found on disk only). */
  registered: boolean;
  /** Where the transcript is, for people: a file path or a database row reference. */
  location: string;
  /**
   * For a registry entry whose transcript does not exist: how a note names it (a file name, a session id);
   * undefined when it exists. Looked up at most once per listing.
   */
  missingTranscript?(): string | undefined;
  /**
   * What a page selecting this session should tell the caller about what its store still holds (a
   * stream whose retention removed its oldest events), when anything.
   */
  storeNote?: string;
  /** A directory whose changes mean this session may have new events (for following). */
  watchDir?: string;
  /**
   * For a store with no directory to watch that can say when this session may have new events (a
   * JetStream stream: a consumer's `next` with the wait as its expiry): resolves true once it may have,
   * false when `ms` passed or `signal` aborted (for following, instead of a poll).
   */
  waitForNew?(ms: number, signal: AbortSignal): Promise<boolean>;
  /**
   * The transcript's raw lines, whole, in order (read-only; for a fork, which copies lines verbatim).
   * Absent where the store has no pi transcript lines to copy.
   */
  rawLines?(): Iterable<RawLine | Turn>;
  /**
   * For an index kept outside the store and built from this session's events (full text): the
   * transcript's identity and state now. Absent where the source cannot tell (such a session is scanned).
   */
  contentState?(): ContentState;
  /** Reads the session's events in seq order, ending with `session_end` when the registry says it ended. */
  events(options: ReadOptions): AsyncIterable<SourceEvent>;
  /** For counting: the events in a window, or summaries standing for stretches of them (see EventStats). */
  eventsForCounting(
    options: ReadOptions,
    window: { since?: number; until?: number },
    /** Whether whole-transcript totals (no hours) will do, which an unchanged transcript keeps ready. */
    rollupUsable: boolean,
  ): AsyncIterable<SourceEvent | SummaryChunk>;
  /** The whole transcript's count at once, when its totals are ready (unchanged since); else undefined. */
  countedWhole(options: ReadOptions): Array<SourceEvent | SummaryChunk> | undefined;
};

/**
 * What an index built from a session's events needs to know of its transcript: `id`, stable for the
 * same session and transcript; `version`, equal while nothing changed; `mark()`, a note of the content
 * as it is now (taken before reading it); `grewFrom(mark)`, whether the content noted then is still the
 * start of the content now (appended to, not rewritten: events before the mark's end are unchanged).
 */
export type ContentState = { id: string; version: string; mark(): string; grewFrom(mark: string): boolean };

/** A kind of store: it lists its sessions (a fresh look at the registry each time). */
export interface SessionSource {
  readonly kind: StoreKind;
  readonly root: string;
  listSessions(): Promise<SessionInfo[]>;
}

/**
 * How current a listing must be: `now`, as the store is at the call; `recent`, a look a moment old will
 * do (a walk's later pages, which come every few milliseconds: a store that watches itself then answers
 * without asking it again). Stores that look at their files every time treat both alike.
 */
export type ListingLook = "now" | "recent";

/** What a source lists: its sessions, and anything it could not read (for operators, never for callers). */
export type SessionListing = { sessions: SessionInfo[]; warnings: string[] };

/**
 * A transcript as it is now: its end; `holder`, what holds it (a file's inode: a file put in its place
 * has another); `changed`, when that last changed (a file's modification and change times). Appending
 * moves the end; a rewrite that keeps the end leaves `changed` to tell. `changedTells`: `changed` alone
 * tells this file from any other (times finer than a second: no file put in its place can have them).
 */
export type TranscriptStamp = { end: number; holder: string; changed: string; changedTells?: boolean };

/**
 * Access to one transcript's raw lines by position (byte offset in a file, row seq in a database),
 * enough to read any stretch of it and to index it. Synchronous, as both stores can answer at once;
 * a long read yields TURN where the event loop is due a turn (see transcript/turns.ts).
 */
export interface TranscriptRead {
  /** Stable for the same transcript: where its index is kept. */
  readonly id: string;
  /** Lines from `from` (a line start) up to `to` (exclusive), or to the current end; `whole`: see ReadOptions.wholeLines. */
  lines(from?: number, to?: number, whole?: boolean, budget?: LineBudget): Iterable<RawLine | Turn>;
  /** Whether the transcript has grown past the furthest position read so far. */
  grown(): boolean;
  /** Counts the lines before `next` as read (their events came from a cache instead). */
  readThrough(next: number): void;
  /** The current end position. */
  end(): number;
  /** Where the transcript ends now, and what holds it and when that last changed (a fresh look). */
  stamp(): TranscriptStamp;
  /**
   * A digest of the content before `at`: equal digests mean the prefix is the one indexed before.
   * `afterRead`: asked right after a read of it, of what that read read (a file is then not looked up again).
   */
  fingerprint(at: number, afterRead?: boolean): string;
  /** A cheap stamp of the whole transcript's current state (a file's inode, size and times; a database's inode and last row): equal means unchanged. */
  version(): string;
  /** The raw text of the first line, if any (a cheap look at where the transcript starts). */
  firstLine(): string | undefined;
}

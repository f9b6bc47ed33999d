import type { EventType } from "../../contract/event.js";
import type { SourceEvent } from "../session.js";
import type { NormalizerState } from "../transcript/normalize.js";
import { addEvent, eventTool, newStats, statsKey, type EventStats } from "./event-stats.js";

/** A new interval starts once the current one holds this many bytes of lines (by default). */
export const DEFAULT_INTERVAL_BYTES = 128 * 1024;

/**
 * A stretch of a transcript: where it starts, the normalizer state just before it (so reading can
 * start there), and a summary of its events (so reading can skip it, or a count can use it unread).
 */
export type Interval = {
  at: number;
  state: NormalizerState;
  bytes: number;
  events: number;
  /** Order time (running maximum) after its last event (the state's when it has none). */
  lastTs: number;
  /** The least and greatest own time of its events (absent when it has none): own times may step back. */
  own?: [number, number];
  /** Events by type (to skip intervals a query has no use for). */
  counts: Record<string, number>;
  /**
   * Event stats by type, tool, model in effect and hour (to count without reading). A closed interval
   * of an index read from the cache dir has none until `IndexStore.withGroups` reads them: they are
   * most of an index's size, and only counts need them.
   */
  groups?: Record<string, EventStats>;
  /** [time, seq] of the event before each line that yielded nothing. */
  skipped: Array<[number, number]>;
  /**
   * Where reading may also start inside an interval longer than the index's interval size (a large
   * transcript's): one point per interval size of lines, in the index's last two intervals only (where
   * "the last hour" falls), so a seek there reads as little before the window as in a small transcript
   * while the index stays small.
   */
  checkpoints?: Checkpoint[];
};

/** A line start and the normalizer state just before it. */
export type Checkpoint = { at: number; state: NormalizerState };

/**
 * What is known about a transcript's prefix [0, end): its intervals and the state at `end`. `print`
 * is the transcript's fingerprint at `end`, to tell growth (extend) from a rewrite (rebuild).
 */
export type TranscriptIndex = {
  v: typeof INDEX_VERSION;
  id: string;
  end: number;
  print: string;
  endState: NormalizerState;
  intervals: Interval[];
  /** In memory only: the cache file (by its end and print) the closed intervals' groups are still in. */
  groupsIn?: { end: number; print: string };
};

/**
 * The index format (6: events keep their lines' own times, and each interval the range of them; older
 * files, whose times were moved forward, are read again).
 */
export const INDEX_VERSION = 6;

const INITIAL_STATE: NormalizerState = { seq: 0, lastTs: 0, pending: [] };

function cloneGroups(groups: Record<string, EventStats> = {}): Record<string, EventStats> {
  const out: Record<string, EventStats> = {};
  for (const [key, stats] of Object.entries(groups)) out[key] = [...stats];
  return out;
}

export function emptyIndex(id: string): TranscriptIndex {
  return { v: INDEX_VERSION, id, end: 0, print: "", endState: INITIAL_STATE, intervals: [newInterval(0, INITIAL_STATE)] };
}

/** An interval still being added to: it always has its groups. */
type OpenInterval = Interval & { groups: Record<string, EventStats> };

function newInterval(at: number, state: NormalizerState): OpenInterval {
  return { at, state, bytes: 0, events: 0, lastTs: state.lastTs, counts: {}, groups: {}, skipped: [] };
}

/** Whether an interval holds any event of these types (no filter: always). */
export function holdsAny(interval: Interval, types: ReadonlySet<EventType> | undefined): boolean {
  if (!types) return true;
  for (const type of types) if (interval.counts[type]) return true;
  return false;
}

/** Whether an interval may hold an event whose own time is in the window (no window: always). */
export function overlapsWindow(interval: Interval, window: { since?: number; until?: number } | undefined): boolean {
  if (!window) return true;
  if (!interval.own) return false; // (no events)
  const [min, max] = interval.own;
  return (window.since === undefined || max >= window.since) && (window.until === undefined || min < window.until);
}

/** Whether a read with these hints needs the interval's events (its types and its window). */
export function holdsWanted(interval: Interval, hints: { types?: ReadonlySet<EventType>; window?: { since?: number; until?: number } }): boolean {
  return holdsAny(interval, hints.types) && overlapsWindow(interval, hints.window);
}

/** Where interval i ends: the next one's start, or the index end. */
export function intervalEnd(index: TranscriptIndex, i: number): number {
  return i + 1 < index.intervals.length ? index.intervals[i + 1]!.at : index.end;
}

/** The state at interval i's end. */
export function stateAfter(index: TranscriptIndex, i: number): NormalizerState {
  return i + 1 < index.intervals.length ? index.intervals[i + 1]!.state : index.endState;
}

/**
 * The last interval a read can start at and still see every event not excluded by `skipBefore`:
 * everything before it is earlier than `timestamp`, or (same session) at or before `seq`.
 */
export function startInterval(index: TranscriptIndex, skipBefore: { timestamp?: number; seq?: number } | undefined): number {
  if (!skipBefore) return 0;
  const last = (ok: (interval: Interval) => boolean) => {
    let lo = 0;
    let hi = index.intervals.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ok(index.intervals[mid]!)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const byTime = skipBefore.timestamp === undefined ? 0 : last((i) => i.state.lastTs < skipBefore.timestamp!);
  const bySeq = skipBefore.seq === undefined ? 0 : last((i) => i.state.seq <= skipBefore.seq!);
  return Math.max(byTime, bySeq);
}

/**
 * Grows an index past its end as lines are read: a private copy of the index's tail, so reads that
 * run at the same time never see each other's half-done work; `result()` is the extended index.
 */
export class IndexExtender {
  private readonly intervals: Interval[];
  private open: OpenInterval;
  private end: number;
  private endState: NormalizerState;
  private frozen = false;
  extended = false;

  constructor(
    private readonly base: TranscriptIndex,
    private readonly intervalBytes = DEFAULT_INTERVAL_BYTES,
  ) {
    this.intervals = base.intervals.slice(0, -1);
    const last = base.intervals[base.intervals.length - 1]!;
    // (the last interval always has its groups)
    const copied = { ...last, counts: { ...last.counts }, groups: cloneGroups(last.groups), skipped: [...last.skipped], own: last.own && ([...last.own] as [number, number]) };
    this.open = last.checkpoints ? { ...copied, checkpoints: [...last.checkpoints] } : copied;
    this.end = base.end;
    this.endState = base.endState;
  }

  /**
   * Before a complete line at the index end: starts a new interval when the open one is full. Intervals
   * grow with the transcript (at least 1/256 of what precedes them), so a huge transcript's index stays
   * small while a seek still reads under half a percent of it.
   */
  before(at: number, state: () => NormalizerState): void {
    if (this.frozen) return;
    const span = Math.max(this.intervalBytes, this.end / 256);
    if (this.open.bytes < span) {
      const lastPoint = this.open.checkpoints?.at(-1)?.at ?? this.open.at;
      if (span > this.intervalBytes && at - lastPoint >= this.intervalBytes) (this.open.checkpoints ??= []).push({ at, state: state() });
      return;
    }
    // the interval before the one closing now is no longer among the last two: its checkpoints go
    const older = this.intervals.length - 1;
    if (older >= 0 && this.intervals[older]!.checkpoints) this.intervals[older] = { ...this.intervals[older]!, checkpoints: undefined };
    this.intervals.push(this.open);
    this.open = newInterval(at, state());
  }

  /** After that line: its events and bytes join the open interval. */
  after(next: number, bytes: number, events: readonly SourceEvent[], skipped: [number, number] | undefined): void {
    if (this.frozen) return;
    const open = this.open;
    open.bytes += bytes;
    open.events += events.length;
    for (const event of events) {
      open.counts[event.type] = (open.counts[event.type] ?? 0) + 1;
      const key = statsKey(event.type, eventTool(event), event.model, event.timestamp);
      addEvent((open.groups[key] ??= newStats()), event);
      open.lastTs = event.orderTs ?? event.timestamp;
      const own = open.own;
      if (!own) open.own = [event.timestamp, event.timestamp];
      else if (event.timestamp < own[0]) own[0] = event.timestamp;
      else if (event.timestamp > own[1]) own[1] = event.timestamp;
    }
    if (skipped) open.skipped.push(skipped);
    this.end = next;
    this.extended = true;
  }

  /** Stops extending (at a line still being written): the index ends before it, in this state. */
  freeze(state: NormalizerState): void {
    if (this.frozen) return;
    this.frozen = true;
    this.endState = state;
  }

  result(stateAtEnd: () => NormalizerState, print: string): TranscriptIndex {
    return {
      v: INDEX_VERSION,
      id: this.base.id,
      end: this.end,
      print,
      endState: this.frozen ? this.endState : stateAtEnd(),
      intervals: [...this.intervals, this.open],
      groupsIn: this.base.groupsIn,
    };
  }
}

import type { ReadOptions, SourceEvent, TranscriptRead, TranscriptStamp } from "../session.js";
import type { NormalizerState } from "../transcript/normalize.js";
import { LineProcessor, type RawLine, type RegistryEnd, type TranscriptIdentity } from "../transcript/transcript-events.js";
import type { LineBudget } from "../transcript/line-reader.js";
import { TURN, type Turn } from "../transcript/turns.js";
import type { EventStats } from "./event-stats.js";
import { MAX_RUN_BYTES, type CachedRun, type IndexStore } from "./index-store.js";
import {
  holdsAny,
  holdsWanted,
  IndexExtender,
  intervalEnd,
  startInterval,
  overlapsWindow,
  stateAfter,
  type TranscriptIndex,
} from "./transcript-index.js";

type Read = {
  read: TranscriptRead;
  identity: TranscriptIdentity;
  registryEnd: RegistryEnd | undefined;
  options: ReadOptions;
  indexes: IndexStore;
  /** A count has no pages to resume: its events need no resume points. */
  counting?: boolean;
};

/**
 * A transcript's events through its index, oldest first. Reading starts as late as `skipBefore`
 * allows (at an interval, or where an earlier page stopped), skips intervals without any wanted type
 * (still reporting their skipped lines), and goes on past the indexed end to the transcript's end,
 * extending the index as it goes. Each event carries the point a later page can resume at. Like the
 * reads under it, synchronous, with TURN where the event loop is due a turn.
 */
export function* eventsForward(r: Read, fromLastInterval = false): Generator<SourceEvent | Turn> {
  const now = r.read.stamp();
  const index = r.indexes.load(r.read, now);
  let i = fromLastInterval ? index.intervals.length - 1 : startInterval(index, r.options.skipBefore);
  const resume = fromLastInterval ? undefined : bestResume(r, index, i);
  let processor = new LineProcessor(r.identity, r.options, resume?.state ?? index.intervals[i]!.state);
  let from = resume?.at ?? index.intervals[i]!.at;
  // what the previous read of this stretch already turned into events is given back, not read again
  const owner = JSON.stringify(r.identity);
  // (cached lines may have been cut: a read of whole lines neither uses nor keeps them)
  const cached = r.options.wholeLines ? undefined : validRun(r.indexes.cachedRun(r.read.id, owner, from), index);
  const recorder = new RunRecorder(r, owner, from, cached);
  if (cached) {
    for (const line of cached.lines) {
      for (const [ts, seq] of line.skipped ? [line.skipped] : []) {
        r.options.stats.skippedLines++;
        r.options.skippedLine?.(ts, seq);
      }
      yield* line.events;
    }
    from = cached.next;
    r.read.readThrough(from);
    processor = new LineProcessor(r.identity, r.options, cached.state);
    i = intervalOf(index, from);
  }
  try {
    yield* readOn(r, index, i, from, processor, recorder, now);
  } finally {
    recorder.save(processor);
  }
}

function validRun(run: CachedRun | undefined, index: TranscriptIndex): CachedRun | undefined {
  return run && run.next <= index.end ? run : undefined;
}

/** Reads on from `from` (inside interval i), passing over intervals without wanted types or times. */
function* readOn(
  r: Read,
  index: TranscriptIndex,
  start: number,
  startFrom: number,
  startProcessor: LineProcessor,
  recorder: RunRecorder,
  /** The transcript when the index was loaded. */
  seen: TranscriptStamp,
): Generator<SourceEvent | Turn> {
  let i = start;
  let from = startFrom;
  let processor = startProcessor;
  const last = index.intervals.length - 1;
  while (i < last) {
    if (from === index.intervals[i]!.at && !holdsWanted(index.intervals[i]!, r.options)) {
      recorder.stop(processor); // the run of lines is no longer contiguous
      reportSkipped(index, i, r.options);
      processor = new LineProcessor(r.identity, r.options, stateAfter(index, i));
      from = intervalEnd(index, i);
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < last && holdsWanted(index.intervals[j + 1]!, r.options)) j++;
    yield* readRange(r, processor, from, intervalEnd(index, j), recorder);
    if (processor.stopped) return;
    i = j + 1;
    from = index.intervals[i]!.at;
  }
  if (from < index.end) yield* readRange(r, processor, from, index.end, recorder);
  if (processor.stopped) return;
  yield* pastTheIndex(r, index, processor, seen, recorder);
}

/** The interval a position falls in. */
function intervalOf(index: TranscriptIndex, at: number): number {
  let lo = 0;
  let hi = index.intervals.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (index.intervals[mid]!.at <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Records the lines of one contiguous stretch as they are read, to cache them when the read ends. */
class RunRecorder {
  private readonly lines: CachedRun["lines"];
  private next: number;
  private bytes: number;
  /** The normalizer state at `next`, when known without asking the processor. */
  private state: NormalizerState | undefined;
  private stopped = false;

  constructor(
    private readonly r: Read,
    private readonly owner: string,
    start: number,
    cached: CachedRun | undefined,
  ) {
    this.lines = cached ? [...cached.lines] : [];
    this.next = cached ? cached.next : start;
    this.bytes = cached?.bytes ?? 0;
    this.state = cached?.state;
  }

  /** Whether a line continues the run (if not, call stop before processing it). */
  continues(line: RawLine): boolean {
    return (
      !this.stopped && line.at === this.next && line.next !== undefined && line.complete !== false && this.bytes + line.bytes <= MAX_RUN_BYTES
    );
  }

  /** Adds a line just processed (the processor is past it). */
  line(line: RawLine, events: SourceEvent[], skipped: [number, number] | undefined, processor: LineProcessor): void {
    this.next = line.next!;
    this.state = undefined;
    // a run starts at the window's first line: no page of the query starts reading before it
    const windowStart = this.r.options.windowStart;
    if (this.lines.length === 0 && windowStart !== undefined && processor.normalizer.lastTimestamp < windowStart) return;
    this.lines.push({ at: line.at!, bytes: line.bytes, events, skipped });
    this.bytes += line.bytes;
  }

  /** Ends the run before the processor goes on elsewhere (it is still at the run's end now). */
  stop(processor: LineProcessor): void {
    if (this.stopped) return;
    this.stopped = true;
    this.state ??= processor.normalizer.snapshot();
  }

  save(processor: LineProcessor): void {
    if (this.lines.length === 0 || this.r.options.wholeLines) return;
    const state = this.state ?? processor.normalizer.snapshot();
    this.r.indexes.cacheRun(this.r.read.id, { owner: this.owner, lines: this.lines, next: this.next, state, bytes: this.bytes });
  }
}

/**
 * The lines past the indexed end, to the transcript's end: read, and added to the index. A count
 * also keeps the whole transcript's rollup once the index reaches its end.
 */
function* pastTheIndex(
  r: Read,
  index: TranscriptIndex,
  processor: LineProcessor,
  /** The transcript as it was before this read began (what the index extended here is checked against next). */
  seen: TranscriptStamp,
  /** Records the lines read here too: a page that stops in them leaves them for the next page. */
  recorder?: RunRecorder,
): Generator<SourceEvent | Turn> {
  // made for the first line past the end (most reads find none: a copy of the index's tail is not free)
  let extender: IndexExtender | undefined;
  try {
    // A transcript that ended at the index's end a moment ago is not opened again to find nothing (most
    // reads of a walk's pages): a line written since shows as growth once the read is done, as it does
    // after any read that reached the end.
    if (seen.end === index.end) r.read.readThrough(index.end);
    else {
      for (const line of r.read.lines(index.end, undefined, r.options.wholeLines, budgetOf(r, processor))) {
        if (line === TURN) {
          yield TURN;
          continue;
        }
        extender ??= new IndexExtender(index, r.indexes.intervalBytes);
        yield* extendWith(r, line, processor, extender, recorder);
      }
    }
    recorder?.stop(processor); // (before the registry's session_end moves the processor on)
    yield* processor.finish(r.registryEnd, () => r.read.grown());
  } finally {
    if (extender?.extended) {
      const extended = extender.result(() => processor.normalizer.snapshot(), "");
      extended.print = r.read.fingerprint(extended.end, true);
      // a rollup only for an index that reaches the transcript's end (no half line after it)
      const version = r.counting && r.read.end() === extended.end ? r.read.version() : undefined;
      // (checked as it was before the read: a rewrite during a long first read shows as a change next time)
      r.indexes.save(extended, seen, version);
    } else if (r.counting && index.end > 0 && r.read.end() === index.end) {
      r.indexes.ensureRollup(index, r.read.version());
    }
  }
}

/**
 * The same events newest first: the index is first brought up to the transcript's end, then each
 * interval not excluded by `skipAfter` is read (forward, from its saved state) and given back reversed.
 */
export function* eventsBackward(r: Read): Generator<SourceEvent | Turn> {
  for (const item of eventsForward({ ...r, options: { stats: r.options.stats } }, true)) {
    // catching the index up to the end; these events are read again below in reverse
    if (item === TURN) yield TURN;
  }
  const index = r.indexes.load(r.read);
  const after = r.options.skipAfter;
  const tail = new LineProcessor(r.identity, r.options, index.endState);
  const newest: SourceEvent[] = [];
  for (const line of r.read.lines(index.end, undefined, r.options.wholeLines)) {
    if (line === TURN) yield TURN;
    else newest.push(...tail.line(line));
  }
  newest.push(...tail.finish(r.registryEnd, () => false));
  yield* newest.reverse();
  for (let i = index.intervals.length - 1; i >= 0; i--) {
    const { state } = index.intervals[i]!;
    // every event of this interval comes after its starting state: past the cursor or window, skip it
    const allLater = after && ((after.timestamp !== undefined && state.lastTs > after.timestamp) || (after.seq !== undefined && state.seq >= after.seq));
    if (allLater || !holdsWanted(index.intervals[i]!, r.options)) {
      reportSkipped(index, i, r.options);
      continue;
    }
    const processor = new LineProcessor(r.identity, r.options, state);
    const events: SourceEvent[] = [];
    for (const event of readRange(r, processor, index.intervals[i]!.at, intervalEnd(index, i))) {
      if (event === TURN) yield TURN;
      else events.push(event);
    }
    yield* events.reverse();
  }
}

/** For counting: a stretch's summary, in place of its events, and how many of its lines yielded nothing. */
export type SummaryChunk = { summary: Record<string, EventStats>; skipped: number };

/**
 * A transcript's events for counting: stretches wholly inside the window come as their summaries
 * (nothing is read), stretches outside it or without wanted types are passed over, the rest is read,
 * and so is what lies past the indexed end (which extends the index, so the next count reads less).
 * With no window at all, an unchanged transcript's rollup stands for everything.
 */
export function* eventsForCounting(
  r: Read,
  window: { since?: number; until?: number },
  rollupUsable: boolean,
): Generator<SourceEvent | SummaryChunk | Turn> {
  r = { ...r, counting: true };
  if (rollupUsable && window.since === undefined && window.until === undefined) {
    const whole = wholeFromRollup(r, r.read.version());
    if (whole) {
      yield* whole;
      return;
    }
  }
  const seen = r.read.stamp();
  const index = r.indexes.load(r.read, seen);
  r.indexes.withGroups(index); // without them (their file was replaced meanwhile) each interval is read instead
  const types = r.options.types;
  const since = window.since ?? Number.NEGATIVE_INFINITY;
  const until = window.until ?? Number.POSITIVE_INFINITY;
  const windowed = window.since !== undefined || window.until !== undefined;
  for (let i = 0; i < index.intervals.length; i++) {
    const interval = index.intervals[i]!;
    if (interval.at >= index.end) break; // the open interval holds nothing indexed yet
    // by the events' own times, which may step back: an interval's range of them decides
    const own = interval.own;
    const inside = !windowed || (own !== undefined && own[0] >= since && own[1] < until);
    if (windowed && !overlapsWindow(interval, window)) continue; // (its skipped lines are outside the window too)
    if (!holdsAny(interval, types)) {
      reportSkipped(index, i, r.options);
      continue;
    }
    if (inside && interval.groups) yield { summary: interval.groups, skipped: interval.skipped.length };
    else yield* readRange(r, new LineProcessor(r.identity, r.options, interval.state), interval.at, intervalEnd(index, i));
  }
  yield* pastTheIndex(r, index, new LineProcessor(r.identity, r.options, index.endState), seen);
}

/**
 * An unchanged transcript's whole count, from its rollup, without opening it (and the registry's
 * session_end, which is not in the transcript); undefined when the transcript changed since.
 */
export function wholeFromRollup(r: Read, version: string): Array<SourceEvent | SummaryChunk> | undefined {
  const rollup = r.indexes.rollup(r.read.id, version);
  if (!rollup) return undefined;
  const end = r.registryEnd ? new LineProcessor(r.identity, r.options, rollup.endState).finish(r.registryEnd, () => false) : [];
  return [{ summary: rollup.stats, skipped: rollup.skipped }, ...end];
}

/**
 * What a forward read may still read of the query's scan budget, and where it would stop: just after
 * the processor's last event (a file read then ends mid-transcript, and the page ends there).
 */
function budgetOf(r: Read, processor: LineProcessor): LineBudget | undefined {
  const budget = r.options.scanBudget;
  if (!budget || r.counting) return undefined;
  return {
    bytes: Math.max(0, budget.bytes - r.options.stats.bytesRead),
    stop: (lineBytes) => budget.stopAt(processor.normalizer.lastTimestamp, processor.normalizer.eventCount + 1, lineBytes),
  };
}

/** The events of the lines in [from, to), each with its resume point (recorded for the next read, when asked). */
function* readRange(r: Read, processor: LineProcessor, from: number, to: number, recorder?: RunRecorder): Generator<SourceEvent | Turn> {
  for (const line of r.read.lines(from, to, r.options.wholeLines, budgetOf(r, processor))) {
    if (line === TURN) {
      yield TURN;
      continue;
    }
    const recording = recorder?.continues(line) ?? false;
    if (!recording) recorder?.stop(processor);
    const { events, skipped } = processLine(r, line, processor);
    if (recording) recorder!.line(line, events, skipped, processor);
    yield* wanted(r, events);
  }
}

function* extendWith(r: Read, line: RawLine, processor: LineProcessor, extender: IndexExtender, recorder?: RunRecorder): Generator<SourceEvent> {
  const recording = recorder?.continues(line) ?? false;
  if (!recording) recorder?.stop(processor);
  if (line.complete === false || line.at === undefined || line.next === undefined) {
    extender.freeze(processor.normalizer.snapshot()); // the index stops before a line still being written
    yield* processor.line(line);
    return;
  }
  extender.before(line.at, () => processor.normalizer.snapshot());
  const { events, skipped } = processLine(r, line, processor);
  extender.after(line.next, line.bytes, events, skipped);
  if (recording) recorder!.line(line, events, skipped, processor);
  yield* wanted(r, events);
}

/** A line's events, and [time, seq] of the event before it when the line yielded nothing (was skipped). */
function processLine(r: Read, line: RawLine, processor: LineProcessor): { events: SourceEvent[]; skipped: [number, number] | undefined } {
  const seq = processor.normalizer.eventCount;
  const ts = processor.normalizer.lastTimestamp;
  const skippedBefore = processor.skippedLines;
  const events = withResume(r, line, processor, () => processor.line(line));
  return { events, skipped: processor.skippedLines > skippedBefore ? [ts, seq] : undefined };
}

/**
 * The events a reader wants: a count asks for its types only (the index has seen them all). Every
 * event passed on costs a trip through several generators and an async one, and a count of one type
 * over a whole store would otherwise pass on hundreds of times more events than it counts.
 */
function wanted(r: Read, events: SourceEvent[]): SourceEvent[] {
  const types = r.options.types;
  if (!r.counting || !types || events.length === 0) return events;
  return events.every((event) => types.has(event.type)) ? events : events.filter((event) => types.has(event.type));
}

/** Processes a line, giving each of its events the point just before the line to resume at. */
function withResume(r: Read, line: RawLine, processor: LineProcessor, process: () => SourceEvent[]): SourceEvent[] {
  if (r.counting || line.at === undefined || line.complete === false) return process();
  const at = line.at;
  const state = processor.normalizer.snapshot();
  const events = process();
  if (events.length > 0) {
    // (neither `r` nor the read: events outlive their read in the cache of lines, `r` holds the query
    // that read them, and the read the store listing it came from, a few MB for thousands of sessions)
    const { indexes } = r;
    const id = r.read.id;
    const point = { save: () => indexes.addResume(id, { at, state }) };
    for (const event of events) event.resumePoint = point;
  }
  return events;
}

/** The latest point past interval i's start (one a page remembered, or a checkpoint of the index) that `skipBefore` allows starting at, if any. */
function bestResume(r: Read, index: TranscriptIndex, i: number) {
  const skip = r.options.skipBefore;
  if (!skip) return undefined;
  const lo = index.intervals[i]!.at;
  const hi = intervalEnd(index, i);
  let best: { at: number; state: TranscriptIndex["endState"] } | undefined;
  for (const point of [...r.indexes.resumesFor(index), ...(index.intervals[i]!.checkpoints ?? [])]) {
    if (point.at <= lo || (point.at >= hi && i < index.intervals.length - 1)) continue;
    const allowed = (skip.timestamp !== undefined && point.state.lastTs < skip.timestamp) || (skip.seq !== undefined && point.state.seq <= skip.seq);
    if (allowed && (!best || point.at > best.at)) best = point;
  }
  return best;
}

function reportSkipped(index: TranscriptIndex, i: number, options: ReadOptions): void {
  for (const [ts, seq] of index.intervals[i]!.skipped) {
    options.stats.skippedLines++;
    options.skippedLine?.(ts, seq);
  }
}

import type { ReadOptions } from "../session.js";
import type { Mark } from "./records.js";
import type { StreamEvent } from "./shapes.js";

/** Where a session's events are: its subject filter, the stream sequence to start at, how to tell them. */
export type StreamSpan = { id: string; filter: string; fromSeq: number; marks?: readonly Mark[]; belongs(event: StreamEvent): boolean; numbered: boolean };

/** Where each stretch of a span starts: its stream sequence and the seq of its first event (a span's marks are kept as long as it is). */
const stretchStarts = new WeakMap<StreamSpan, { starts: number[]; seqs: number[] }>();

export function stretchesOf(span: StreamSpan, marks: readonly Mark[]): { starts: number[]; seqs: number[] } {
  let known = stretchStarts.get(span);
  if (!known) {
    const later = marks.filter(([, streamSeq]) => streamSeq > span.fromSeq);
    known = { starts: [span.fromSeq, ...later.map(([, streamSeq]) => streamSeq)], seqs: [1, ...later.map(([seq]) => seq)] };
    stretchStarts.set(span, known);
  }
  return known;
}

/** The last index whose value is below `bound` in an ascending list (-1: none). */
export function lastBelow(sorted: readonly number[], bound: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The last mark before which no wanted event can be: by seq (a cursor) and by time (a window's start). */
export function startMark(marks: readonly Mark[], options: ReadOptions): Mark | undefined {
  const afterSeq = options.skipBefore?.seq;
  const since = Math.max(options.skipBefore?.timestamp ?? -Infinity, options.window?.since ?? -Infinity);
  let found: Mark | undefined;
  for (const mark of marks) {
    const [seq, , latestBefore] = mark;
    if ((afterSeq !== undefined && seq <= afterSeq) || latestBefore === null || latestBefore < since) found = mark;
    else break;
  }
  // (the first mark is where the session starts: a whole read, which is kept)
  return found === marks[0] ? undefined : found;
}

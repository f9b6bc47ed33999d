import { performance } from "node:perf_hooks";

/** How long a finished read stays shareable (only with streams that woke before it started). */
const KEPT_MS = 1_000;

/**
 * One engine read for many streams: streams of one query and principal that are caught up hold the
 * very same cursor (a cursor is a function of its position), so when a change wakes them all, the
 * first to read does it for the rest. A read is shared only with a stream that woke before the read
 * began, so nobody is handed an answer older than the change it woke for.
 */
export class SharedReads<T> {
  private readonly reads = new Map<string, { startedAt: number; result: Promise<T> }>();

  /** The current time on the clock `read` compares with (sub-millisecond, monotonic). */
  static now(): number {
    return performance.now();
  }

  read(key: string, notBefore: number, run: () => Promise<T>): Promise<T> {
    const known = this.reads.get(key);
    if (known && known.startedAt > notBefore) return known.result;
    const entry = { startedAt: performance.now(), result: run() };
    this.reads.set(key, entry);
    const forget = () => {
      setTimeout(() => {
        if (this.reads.get(key) === entry) this.reads.delete(key);
      }, KEPT_MS).unref();
    };
    entry.result.then(forget, forget);
    return entry.result;
  }

  get size(): number {
    return this.reads.size;
  }
}

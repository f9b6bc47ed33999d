/**
 * One read for identical requests that overlap: while a read runs, a request for exactly the same
 * answer (same principal, route and arguments) waits for it rather than starting another, as a
 * caching proxy collapses requests. Nothing is kept once the read has settled, so no answer is older
 * than the read under way when its request came. The read is cancelled only when every request
 * waiting for it has gone.
 */
export class InFlight<T> {
  private readonly running = new Map<string, { result: Promise<T>; controller: AbortController; waiting: number }>();

  run(key: string, signal: AbortSignal, read: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let entry = this.running.get(key);
    // (a read all its requests left is being cancelled: a new request needs a read of its own)
    if (!entry || entry.controller.signal.aborted) {
      const controller = new AbortController();
      const created = { result: read(controller.signal), controller, waiting: 0 };
      const forget = () => {
        if (this.running.get(key) === created) this.running.delete(key);
      };
      created.result.then(forget, forget);
      this.running.set(key, created);
      entry = created;
    }
    const joined = entry;
    joined.waiting++;
    const leave = () => {
      if (--joined.waiting === 0) joined.controller.abort();
    };
    if (signal.aborted) leave();
    else signal.addEventListener("abort", leave, { once: true });
    return joined.result;
  }

  /** Reads under way now (for tests). */
  get size(): number {
    return this.running.size;
  }
}

import { watch, type FSWatcher } from "node:fs";

/** How many follows may wait at once in one process (a server): the rest get their empty page at once. */
export const MAX_WAITERS = 32;
/** Where no directory can be watched (or none is known), how often a waiter looks again. */
export const UNWATCHED_POLL_MS = 2000;
/** The least time between two reads of one waiter: a transcript written line by line wakes it often. */
export const MIN_REREAD_MS = 250;
const MAX_WATCHED_DIRS = 64;

type Watched = { watcher: FSWatcher; listeners: Set<() => void> };

/** A store's own wake-up for one session (SessionInfo.waitForNew). */
export type LiveWait = (ms: number, signal: AbortSignal) => Promise<boolean>;

/** The live wake-ups of the sessions that have one (at most as many as directories are watched). */
export function liveWaitsOf(sessions: readonly { waitForNew?: LiveWait }[]): LiveWait[] {
  const out: LiveWait[] = [];
  for (const session of sessions) if (session.waitForNew && out.length < MAX_WATCHED_DIRS) out.push(session.waitForNew);
  return out;
}

/**
 * The follows waiting in one process: one file-system watch per directory, shared by every waiter on
 * it (a waiter wakes on an event, never polls a watched directory), and at most `max` waiters at once.
 */
export class FollowWaiters {
  private readonly watched = new Map<string, Watched>();
  private active = 0;

  constructor(readonly max = MAX_WAITERS) {}

  /** A place among the waiters (call the function given to leave it), or undefined when all are taken. */
  enter(): (() => void) | undefined {
    if (this.active >= this.max) return undefined;
    this.active++;
    let left = false;
    return () => {
      if (!left) this.active--;
      left = true;
    };
  }

  /**
   * Waits until something changes in one of `dirs`, or `ms` passes, or the call is cancelled. True when
   * the waiter should look again: a change, or a poll where a directory could not be watched; false
   * when the time ran out with every directory watched and quiet (nothing to look at).
   */
  waitForChange(dirs: readonly string[], ms: number, signal?: AbortSignal, live: readonly LiveWait[] = []): Promise<boolean> {
    return new Promise((resolve) => {
      const subscribed: string[] = [];
      const liveDone = new AbortController();
      let done = false;
      const finish = (lookAgain: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        liveDone.abort();
        signal?.removeEventListener("abort", aborted);
        for (const dir of subscribed) this.unsubscribe(dir, changed);
        resolve(lookAgain);
      };
      const changed = () => finish(true);
      const aborted = () => finish(false);
      // (a store's own wake-up that fails is no wake-up: the others, or the time, end the wait)
      for (const wait of live) void wait(ms, liveDone.signal).then((woke) => woke && changed(), () => undefined);
      let unwatched = dirs.length === 0 && live.length === 0;
      for (const dir of [...new Set(dirs)].slice(0, MAX_WATCHED_DIRS)) {
        if (this.subscribe(dir, changed)) subscribed.push(dir);
        else unwatched = true;
      }
      const timer = setTimeout(() => finish(unwatched), unwatched ? Math.min(ms, UNWATCHED_POLL_MS) : ms);
      if (signal?.aborted) aborted();
      else signal?.addEventListener("abort", aborted);
    });
  }

  /** How many directories are watched now (for tests). */
  get watchedDirs(): number {
    return this.watched.size;
  }

  private subscribe(dir: string, listener: () => void): boolean {
    let entry = this.watched.get(dir);
    if (!entry) {
      const listeners = new Set<() => void>();
      const wake = () => {
        for (const wakeOne of [...listeners]) wakeOne();
      };
      try {
        const watcher = watch(dir, { persistent: false }, wake);
        watcher.on("error", () => {
          watcher.close();
          if (this.watched.get(dir) === entry) this.watched.delete(dir);
          wake(); // (each waiter looks again, and watches anew or polls)
        });
        entry = { watcher, listeners };
      } catch {
        return false; // not watchable here (gone, or no inotify): that waiter polls
      }
      this.watched.set(dir, entry);
    }
    entry.listeners.add(listener);
    return true;
  }

  private unsubscribe(dir: string, listener: () => void): void {
    const entry = this.watched.get(dir);
    if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) return;
    entry.watcher.close();
    this.watched.delete(dir);
  }
}

/** This process's waiters (a server is one process). */
export const followWaiters = new FollowWaiters();

import { watch, type FSWatcher } from "node:fs";

/** How often a follow looks again when no file-system event tells it sooner. */
export const FOLLOW_POLL_MS = 500;
const MAX_WATCHED_DIRS = 64;

/**
 * Waits until something changes in one of `dirs` (a file-system event), or `ms` passes, or the call is
 * cancelled. Watching is best effort: where it fails the wait is just a poll interval.
 */
export function waitForChange(dirs: readonly string[], ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      for (const w of watchers) w.close();
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish);
    for (const dir of [...new Set(dirs)].slice(0, MAX_WATCHED_DIRS)) {
      try {
        const watcher = watch(dir, { persistent: false }, finish);
        watcher.on("error", () => watcher.close());
        watchers.push(watcher);
      } catch {
        // not watchable here (gone, or no inotify): the timer still ends the wait
      }
    }
  });
}

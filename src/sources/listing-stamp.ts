import { statSync } from "node:fs";

/**
 * File times have the kernel clock's coarse grain (a few ms): a path changed this recently may change
 * again without its times moving (like git's "racy" entries). A stamp that would see such a path waits
 * out the rest of that grain and looks again, so that an equal later stamp does mean "unchanged"; a path
 * that keeps changing that fast makes a stamp that equals no other.
 */
const RACY_MS = 10;
const RACY_RETRIES = 2;
let racyStamps = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A cheap stamp of files and directories (identity, size, modification and change times; "-" for one
 * that is not there): a directory's times move when a file in it is created, renamed or removed, a
 * file's when it is written. Equal stamps mean none of them changed between the two looks.
 */
export function statStamp(paths: readonly string[], options: { contentOnly?: boolean } = {}): string {
  for (let attempt = 0; ; attempt++) {
    const { parts, newest } = look(paths, options.contentOnly ?? false);
    const since = Date.now() - newest;
    if (since >= RACY_MS) return parts.join("|");
    // (a time in the future, set by hand or by another clock, is not waited out)
    if (attempt === RACY_RETRIES || since < 0) return [...parts, `racy ${++racyStamps}`].join("|");
    // (synchronous on purpose: at most ~10 ms, and only right after a change)
    Atomics.wait(pause, 0, 0, RACY_MS - since);
  }
}

function look(paths: readonly string[], contentOnly: boolean): { parts: string[]; newest: number } {
  let newest = 0;
  const parts = paths.map((path) => {
    try {
      // (no exception for a path not there: one costs more than the stat)
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) return "-";
      // (contentOnly: not the change time, which moves with metadata, e.g. when a reader opens a database)
      const ctime = contentOnly ? 0 : info.ctimeMs;
      newest = Math.max(newest, info.mtimeMs, ctime);
      return `${info.ino}:${info.size}:${info.mtimeMs}:${ctime}`;
    } catch {
      return "-";
    }
  });
  return { parts, newest };
}

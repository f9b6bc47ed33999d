import { statSync } from "node:fs";

/**
 * File times have the kernel clock's coarse grain (a few ms): a path changed this recently may change
 * again without its times moving, so a stamp of it never equals a later one (like git's "racy" entries).
 */
const RACY_MS = 10;
let racyStamps = 0;

/**
 * A cheap stamp of files and directories (identity, size, modification and change times; "-" for one
 * that is not there): a directory's times move when a file in it is created, renamed or removed, a
 * file's when it is written. Equal stamps mean none of them changed between the two looks.
 */
export function statStamp(paths: readonly string[], options: { contentOnly?: boolean } = {}): string {
  const now = Date.now();
  let racy = false;
  const parts = paths.map((path) => {
    try {
      // (no exception for a path not there: one costs more than the stat)
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) return "-";
      // (contentOnly: not the change time, which moves with metadata, e.g. when a reader opens a database)
      const ctime = options.contentOnly ? 0 : info.ctimeMs;
      if (now - Math.max(info.mtimeMs, ctime) < RACY_MS) racy = true;
      return `${info.ino}:${info.size}:${info.mtimeMs}:${ctime}`;
    } catch {
      return "-";
    }
  });
  if (racy) parts.push(`racy ${++racyStamps}`);
  return parts.join("|");
}

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
export function statStamp(paths: readonly string[]): string {
  const now = Date.now();
  let racy = false;
  const parts = paths.map((path) => {
    try {
      const info = statSync(path);
      if (now - Math.max(info.mtimeMs, info.ctimeMs) < RACY_MS) racy = true;
      return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    } catch {
      return "-";
    }
  });
  if (racy) parts.push(`racy ${++racyStamps}`);
  return parts.join("|");
}

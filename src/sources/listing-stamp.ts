import { statSync } from "node:fs";

/**
 * A cheap stamp of files and directories (identity, size, modification and change times; "-" for one
 * that is not there): a directory's times move when a file in it is created, renamed or removed, a
 * file's when it is written. Equal stamps mean none of them changed between the two looks.
 */
export function statStamp(paths: readonly string[]): string {
  return paths
    .map((path) => {
      try {
        const info = statSync(path);
        return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
      } catch {
        return "-";
      }
    })
    .join("|");
}

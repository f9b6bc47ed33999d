import { closeSync, constants, existsSync, fstatSync, openSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { isAbsolute, relative } from "node:path";

/** A transcript opened for reading, checked after opening: a regular file inside its root. */
export type OpenedFile = { fd: number; info: Stats };

// (O_NONBLOCK: opening a FIFO then returns at once instead of waiting for a writer; reads of a regular file ignore it)
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0);
const HAS_PROC_FD = process.platform === "linux" && existsSync("/proc/self/fd");

/** Whether `path` is `root` itself or lies below it (both real paths). */
export function isInsideRoot(realRoot: string, path: string): boolean {
  const inside = relative(realRoot, path);
  return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside);
}

/**
 * Opens `realPath` (a path resolved at listing time, whose last component was no link) and checks
 * what was opened, not what the path named a moment before: the last component must still be no link
 * (O_NOFOLLOW), the descriptor must be a regular file, and its own real path (/proc/self/fd/N; elsewhere
 * the path resolved again, holding the same inode) must lie inside `realRoot`. Whoever can write the
 * directory (a ClawJS workspace is the agent's) may swap a file for a link, a FIFO or a device between
 * a listing and a read; such a swap then reads nothing. Undefined when the check fails; the caller
 * reads through the descriptor only and closes it.
 */
export function openConfined(realRoot: string, realPath: string): OpenedFile | undefined {
  let fd: number;
  try {
    fd = openSync(realPath, FLAGS);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (info.isFile() && stillConfined(realRoot, fd, realPath, info)) return { fd, info };
  } catch {
    // fall through: not ours to read
  }
  closeSync(fd);
  return undefined;
}

/**
 * Whether a descriptor of a regular file (`info`: its metadata) lies inside `realRoot` now, by its own
 * real path: checked again for a descriptor kept open, as a directory above it may since have been
 * swapped for a link that leads out.
 */
export function stillConfined(realRoot: string, fd: number, realPath: string, info: Stats): boolean {
  try {
    return isInsideRoot(realRoot, realPathOf(fd, realPath, info));
  } catch {
    return false;
  }
}

/** The real path of what `fd` holds open ("" when it cannot be told). */
function realPathOf(fd: number, path: string, info: Stats): string {
  if (HAS_PROC_FD) return readlinkSync(`/proc/self/fd/${fd}`); // a deleted file reads "... (deleted)": outside any root
  const real = realpathSync(path);
  const now = statSync(real);
  return now.ino === info.ino && now.dev === info.dev ? real : "";
}

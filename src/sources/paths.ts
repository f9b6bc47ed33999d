import { lstatSync, realpathSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isInsideRoot } from "./confined-open.js";

/** A single path segment that cannot climb out of its directory. */
export function isSafeFileName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    name !== "." &&
    name !== ".." &&
    !/[\\/\0]/.test(name) &&
    !name.includes("..")
  );
}

/** Real paths of directories, looked up once per listing (a listing touches thousands of files in a few dirs). */
export type RealRoots = Map<string, string>;

/** What a listing keeps of a file's metadata (a whole Stats, with its four Dates, for each of thousands of files would be most of a listing). */
export type FileFacts = { ino: number; size: number; mtimeMs: number; ctimeMs: number };

const factsOf = ({ ino, size, mtimeMs, ctimeMs }: Stats): FileFacts => ({ ino, size, mtimeMs, ctimeMs });

/** File metadata looked up once per listing: a query asks the same file's time and size more than once. */
export class ListingFs {
  readonly roots: RealRoots = new Map();
  private readonly stats = new Map<string, FileFacts | undefined>();

  private readonly reals = new Map<string, string | null>();

  remember(path: string, info: Stats): void {
    this.stats.set(path, factsOf(info));
  }

  /** A path's confined real path as resolved during this listing: null for none, undefined if not looked up. */
  resolved(path: string): string | null | undefined {
    return this.reals.get(path);
  }

  resolve(path: string, real: string | undefined): void {
    this.reals.set(path, real ?? null);
  }

  /** A file's modification time, to bound its session's activity (a plain file right in `root`: one lstat). */
  modifiedAt(root: string, path: string): number | undefined {
    const real = confinedRealPath(root, path, this);
    return real === undefined ? undefined : this.stat(real)?.mtimeMs;
  }

  /** A real path's metadata; a link found there (swapped in since it was resolved) is not followed. */
  stat(path: string): FileFacts | undefined {
    if (!this.stats.has(path)) {
      let info: FileFacts | undefined;
      try {
        const found = lstatSync(path);
        info = found.isFile() ? factsOf(found) : undefined;
      } catch {
        info = undefined;
      }
      this.stats.set(path, info);
    }
    return this.stats.get(path);
  }
}

/**
 * Resolves symlinks and confirms the file is inside `root` and is a regular file, as of now: a read
 * opens the result with `openConfined`, which checks again what it opened; undefined when
 * it escapes, is missing, or is something else (a directory would fail every read of it, and opening
 * a FIFO blocks until a writer comes: either would break every query that touches the session).
 * Synchronous on purpose: a few metadata calls cost microseconds, far less than a trip through the
 * thread pool, and they are made for every session a query looks at.
 */
export function confinedRealPath(root: string, path: string, listing?: ListingFs): string | undefined {
  const known = listing?.resolved(path);
  if (known !== undefined) return known ?? undefined;
  const real = resolveConfined(root, path, listing);
  // (a file not there is looked for again: a transcript written since the listing must be read, not passed over)
  if (real !== undefined || !missing(path)) listing?.resolve(path, real);
  return real;
}

/** Whether nothing is at `path` now (a path that cannot name a file, e.g. too long, counts as there: it never will be). */
function missing(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** The real path of `root`, looked up once per listing. */
export function realRootOf(root: string, listing?: ListingFs): string {
  let realRoot = listing?.roots.get(root);
  if (realRoot === undefined) {
    realRoot = realpathSync(root);
    listing?.roots.set(root, realRoot);
  }
  return realRoot;
}

function resolveConfined(root: string, path: string, listing?: ListingFs): string | undefined {
  try {
    const realRoot = realRootOf(root, listing);
    if (dirname(path) === root) {
      // the common case, a plain file right in the directory: one lstat instead of a realpath
      const info = lstatSync(path);
      if (info.isFile()) {
        // (a listing asks this of every transcript: no path built or remembered twice when nothing is a link)
        const real = realRoot === root ? path : join(realRoot, basename(path));
        listing?.remember(real, info); // not a link: its lstat is its stat
        if (real !== path) listing?.remember(path, info);
        return real;
      }
      if (!info.isSymbolicLink()) return undefined;
    }
    const realFile = realpathSync(path);
    if (!isInsideRoot(realRoot, realFile)) return undefined;
    return lstatSync(realFile).isFile() ? realFile : undefined;
  } catch {
    return undefined;
  }
}

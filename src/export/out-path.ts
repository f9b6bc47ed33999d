import { constants, lstatSync, openSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { QueryError } from "../engine/errors.js";

/**
 * The real path a file we write will have: refused inside any store (symlinks resolved, the file's
 * own too), or over an existing file (a symlink included) unless `force`.
 */
export function checkedOutPath(out: string, force: boolean, roots: readonly string[]): string {
  const path = resolve(out);
  const exists = lstatOrUndefined(path) !== undefined;
  if (exists && !force) throw new QueryError(`${out} exists; pass --force to replace it.`);
  let real: string;
  try {
    real = resolve(realpathSync(dirname(path)), basename(path));
  } catch {
    throw new QueryError(`${out}: its directory does not exist.`);
  }
  const candidates = [real];
  try {
    if (exists) candidates.push(realpathSync(path));
  } catch {
    // a dangling symlink: it is replaced, never followed (writeNewFile)
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue;
    }
    const inside = (p: string) => p === realRoot || p.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
    if (candidates.some(inside)) throw new QueryError(`${out} is inside the store ${root}: nothing is ever written into a store we read.`);
  }
  return real;
}

/**
 * Writes a whole file at a checked path: created exclusively (a file planted since the check is not
 * overwritten), or with `force` written beside it and renamed over it (a symlink there is replaced,
 * not followed).
 */
export function writeNewFile(path: string, content: string, force: boolean): void {
  if (!force) {
    writeFileSync(path, content, { flag: "wx", mode: 0o600 });
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, content, { flag: "wx", mode: 0o600 });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Opens a file to stream into (replacing its content), checked as above; a symlink is refused, not followed. */
export function openForWriting(out: string, roots: readonly string[]): number {
  const path = checkedOutPath(out, true, roots);
  try {
    return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new QueryError(`${out} is a symbolic link; name the file itself.`);
    throw new QueryError(`${out}: ${code ?? (error as Error).message}`);
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, realpathSync, renameSync, rmSync, type Stats } from "node:fs";
import { join } from "node:path";
import { CacheMac } from "./cache-mac.js";
import { newCacheFile, readCacheFile, writeAll } from "./cache-file.js";

/** One folder of the cache dir, vetted, with the MAC its files are sealed with. */
export type CacheArea = { dir: string; mac: CacheMac };

/** A vetted cache dir: its folders, and the server's secret key kept in it. */
export type CacheDir = { root: string; indexes: CacheArea; registries: CacheArea; fulltext: CacheArea; key: string };

/** What opening a cache dir gives: the dir, or why it is not used (`refused`: it is not safe to). */
export type CacheDirResult = { cache: CacheDir } | { cache: undefined; reason: string; refused: boolean };

const KEY_FILE = "cursor.key";
/** A key file shorter than this (empty after a crash or a full disk, say) is made anew. */
const MIN_KEY_CHARS = 32;

class Refused extends Error {}

/**
 * Opens the cache dir at `root`, making it (mode 0700) where missing. It is trusted only if this user
 * owns it and nobody else may write it, and the same for its folders (never a symlink) and its key
 * file: another user who could write there could truncate files through planted symlinks, send our
 * writes into a store, or plant indexes and registry copies. What it holds is also authenticated (see
 * CacheMac), with a key derived from the key file.
 */
export function openCacheDir(root: string): CacheDirResult {
  try {
    const real = ensureDir(root, true);
    const key = serverKey(real);
    const mac = new CacheMac(key);
    const area = (name: string): CacheArea => ({ dir: ensureDir(join(real, name), false), mac });
    return { cache: { root: real, indexes: area("index"), registries: area("registries"), fulltext: area("fulltext"), key } };
  } catch (error) {
    const refused = error instanceof Refused;
    const why = refused ? error.message : `cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    return { cache: undefined, reason: `cache dir ${root} ${why}`, refused };
  }
}

/** A folder this user owns and nobody else may write, made where missing; the root may be reached through symlinks, a folder in it not. */
function ensureDir(path: string, isRoot: boolean): string {
  let info = lstatOrUndefined(path);
  if (!info) {
    mkdirSync(path, { recursive: isRoot, mode: 0o700 });
    info = lstatSync(path);
  }
  if (isRoot && info.isSymbolicLink()) {
    // (resolved once: a later swap of the link does not move this process's cache)
    path = realpathSync(path);
    info = lstatSync(path);
  }
  if (info.isSymbolicLink()) throw new Refused(`is refused: ${path} is a symlink (nothing in the cache dir may be one)`);
  if (!info.isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: "ENOTDIR" });
  checkOwner(path, info, 0o022);
  return path;
}

function checkOwner(path: string, info: Stats, forbiddenMode: number): void {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw new Refused(`is refused: ${path} belongs to uid ${info.uid}, not to this user (uid ${uid})`);
  if ((info.mode & forbiddenMode) !== 0) {
    throw new Refused(`is refused: ${path} has mode ${(info.mode & 0o777).toString(8)}, open to other users (chmod go-rwx it)`);
  }
}

/**
 * The server's secret key from the cache dir's key file, made (mode 0600, whole or not at all) when
 * missing and made anew when empty or short; a key file that is a symlink, not a file, another user's,
 * or open to other users is refused (it could be a key someone else knows).
 */
function serverKey(root: string): string {
  const path = join(root, KEY_FILE);
  const read = readKey(path);
  if (read !== undefined && read.length >= MIN_KEY_CHARS) return read;
  const fresh = randomBytes(32).toString("base64url");
  const tmp = newCacheFile(path);
  try {
    writeAll(tmp.fd, fresh);
    closeSync(tmp.fd);
    if (read === undefined) {
      try {
        linkSync(tmp.path, path); // never over a key another process made meanwhile
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    } else {
      renameSync(tmp.path, path);
    }
  } finally {
    rmSync(tmp.path, { force: true });
  }
  // (another process may have made or replaced it first: all then use the one on disk)
  const made = readKey(path);
  if (made === undefined || made.length < MIN_KEY_CHARS) throw new Error("the key file could not be made");
  return made;
}

/** The key file's key (undefined: there is none), refusing one that cannot be trusted. */
function readKey(path: string): string | undefined {
  let text: string;
  try {
    text = readCacheFile(path, (info) => checkOwner(path, info, 0o077)).toString("utf8");
  } catch (error) {
    if (error instanceof Refused) throw new Refused(`is refused: its key file ${error.message.replace(/^is refused: /, "")}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP" || code === "NOT_A_FILE") throw new Refused(`is refused: its key file ${path} is a symlink or not a regular file`);
    throw error;
  }
  return text.trim();
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}


/**
 * A folder used as a cache dir of its own (its key file in it), as given to an IndexStore or a registry
 * reader directly; undefined when it cannot be used (see openCacheDir).
 */
export function cacheAreaAt(dir: string): CacheArea | undefined {
  try {
    const real = ensureDir(dir, true);
    return { dir: real, mac: new CacheMac(serverKey(real)) };
  } catch {
    return undefined;
  }
}

/** The area a cache user was given: a vetted one as is, a folder path as a cache dir of its own. */
export function asCacheArea(given: string | CacheArea | undefined): CacheArea | undefined {
  return typeof given === "string" ? cacheAreaAt(given) : given;
}

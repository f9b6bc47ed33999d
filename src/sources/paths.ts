import { realpath } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";

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

/** Resolves symlinks and confirms the file is still inside `root`; undefined when it escapes or is missing. */
export async function confinedRealPath(root: string, path: string): Promise<string | undefined> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]);
    const inside = relative(realRoot, realFile);
    return inside && !inside.startsWith("..") && !isAbsolute(inside) ? realFile : undefined;
  } catch {
    return undefined;
  }
}

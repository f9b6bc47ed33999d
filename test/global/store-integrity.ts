/**
 * Read-only, proven: the checked-in stores (examples/) are hashed before the whole test run and again
 * after it. Any changed, added or removed file (a lock, a -wal or -shm, a journal, a cache) fails the run.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const GUARDED_STORES = [join(ROOT, "examples")];

export function storeDigest(dirs: readonly string[] = GUARDED_STORES): Map<string, string> {
  const digest = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else digest.set(relative(ROOT, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  for (const dir of dirs) walk(dir);
  return digest;
}

export function digestChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, hash] of after) {
    if (!before.has(path)) changes.push(`created ${path}`);
    else if (before.get(path) !== hash) changes.push(`changed ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`removed ${path}`);
  return changes;
}

export default function setup(): () => void {
  const before = storeDigest();
  return () => {
    const changes = digestChanges(before, storeDigest());
    if (changes.length > 0) {
      // vitest reports a throw here but still exits 0, so fail the process explicitly as well
      process.exitCode = 1;
      throw new Error(`the test run wrote to the checked-in stores, which must only ever be read:\n${changes.join("\n")}`);
    }
  };
}

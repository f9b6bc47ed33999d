import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { flushIndexes } from "../../src/sources/index/index-store.js";

/** A new empty cache dir under the OS temp dir. */
export function tempCacheDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/**
 * Removes a test's cache dir for good: indexes not yet written are written first (else the exit hook
 * would write them after the removal and leave the dir behind).
 */
export function removeCacheDir(dir: string): void {
  flushIndexes();
  rmSync(dir, { recursive: true, force: true });
}

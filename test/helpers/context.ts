import { afterAll } from "vitest";
import { createAppContext, type AppContext, type AppOptions } from "../../src/app/context.js";
import { removeCacheDir, tempCacheDir } from "./temp-cache.js";

/** One cache dir per test file (indexes, never the user's own cache), removed after its tests. */
const CACHE_DIR = tempCacheDir("session-events-cache");
afterAll(() => removeCacheDir(CACHE_DIR));

/** A real context over a real store, with a fixed cursor key and an optional fixed clock. */
export function contextFor(store: string | string[], options: Omit<AppOptions, "store"> & { now?: number } = {}): AppContext {
  const { now, ...rest } = options;
  const ctx = createAppContext({ store, ...rest }, { SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789", SESSION_EVENTS_CACHE_DIR: CACHE_DIR });
  return now === undefined ? ctx : { ...ctx, now: () => now };
}

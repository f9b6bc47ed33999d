import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppContext, type AppContext, type AppOptions } from "../../src/app/context.js";

/** One cache dir per test process (indexes, never the user's own cache), removed when the process ends. */
const CACHE_DIR = mkdtempSync(join(tmpdir(), "session-events-cache-"));
process.once("exit", () => rmSync(CACHE_DIR, { recursive: true, force: true }));

/** A real context over a real store, with a fixed cursor key and an optional fixed clock. */
export function contextFor(store: string | string[], options: Omit<AppOptions, "store"> & { now?: number } = {}): AppContext {
  const { now, ...rest } = options;
  const ctx = createAppContext({ store, ...rest }, { SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789", SESSION_EVENTS_CACHE_DIR: CACHE_DIR });
  return now === undefined ? ctx : { ...ctx, now: () => now };
}

import { afterEach, beforeEach } from "vitest";
import { createAppContext, type AppContext } from "../../src/app/context.js";
import type { Page } from "../../src/contract/page.js";
import { querySessionEvents } from "../../src/engine/run-query.js";
import { removeCacheDir, tempCacheDir } from "./temp-cache.js";
import { TempStateDir } from "./temp-store.js";

export type AppOnCache = AppContext & { cacheDir: string };

/**
 * For each test of the file that calls this (it registers the hooks): a temp store, and app contexts
 * over it as the server makes them, each with its own cache dir: a new one (a process that never ran)
 * or one an earlier context left (the next process after it). All removed after the test.
 */
export function storeWithCaches(): { readonly store: TempStateDir; app(cacheDir?: string): AppOnCache; renewStore(): void } {
  let store: TempStateDir;
  const dirs: string[] = [];
  beforeEach(() => {
    store = new TempStateDir();
  });
  afterEach(() => {
    store.remove();
    for (const dir of dirs.splice(0)) removeCacheDir(dir);
  });
  return {
    get store() {
      return store;
    },
    app(cacheDir = tempCacheDir("cache-dirs")) {
      dirs.push(cacheDir);
      const env = { SESSION_EVENTS_CACHE_DIR: cacheDir, SESSION_EVENTS_CURSOR_SECRET: "cache-dirs-secret" };
      return { ...createAppContext({ store: store.root, clearance: "confidential" }, env), cacheDir };
    },
    renewStore() {
      store.remove();
      store = new TempStateDir();
    },
  };
}

/** Every event of one session, following nextCursor from the first page (or from `cursor`). */
export async function allPages(ctx: AppContext, sessionKey: string, limit: number, from?: string): Promise<Page["events"]> {
  const events: Page["events"] = [];
  let cursor = from;
  for (let i = 0; i < 10_000; i++) {
    const page = await querySessionEvents(ctx, { sessionKey, limit, cursor });
    events.push(...page.events);
    if (!page.hasMore) return events;
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

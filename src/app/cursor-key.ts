import { randomBytes } from "node:crypto";
import type { CacheDir } from "../sources/cache-dir.js";

/**
 * The key cursors are signed with: from the config or SESSION_EVENTS_CURSOR_SECRET, else the key kept
 * in the user's cache dir (so the CLI and a restarted server accept each other's cursors; see
 * openCacheDir for how that file is trusted), else a key for this process only. Never inside the store.
 */
export function cursorSecret(configured: string | undefined, cache: CacheDir | undefined, env: NodeJS.ProcessEnv): string {
  if (configured) return configured;
  if (env.SESSION_EVENTS_CURSOR_SECRET) return env.SESSION_EVENTS_CURSOR_SECRET;
  return cache?.key ?? randomBytes(32).toString("base64url");
}

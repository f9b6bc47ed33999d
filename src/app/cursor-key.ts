import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The key cursors are signed with: from the config or SESSION_EVENTS_CURSOR_SECRET, else a random key
 * kept in the user's cache dir (so the CLI and a restarted server accept each other's cursors), else
 * a key for this process only. Never inside the store.
 */
export function cursorSecret(configured: string | undefined, cacheDir: string, env: NodeJS.ProcessEnv): string {
  if (configured) return configured;
  if (env.SESSION_EVENTS_CURSOR_SECRET) return env.SESSION_EVENTS_CURSOR_SECRET;
  const path = join(cacheDir, "cursor.key");
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    const key = randomBytes(32).toString("base64url");
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      writeFileSync(path, key, { mode: 0o600, flag: "wx" });
      return key;
    } catch {
      try {
        return readFileSync(path, "utf8").trim(); // another process wrote it first
      } catch {
        return key;
      }
    }
  }
}

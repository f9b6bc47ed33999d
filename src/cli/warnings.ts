import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AppContext } from "../app/context.js";

/** Warnings go to stderr, so stdout stays the answer alone. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** Regex syntax a pattern would have only by mistake: patterns are literal but for "*". */
const REGEX_LOOKS = [/\.\*/, /^\^/, /\$$/, /\[[^\]]*\][+*?]?/, /\\[dwsDWS.]/, /\.\+/, /\(\?:/];

export function warnRegexLikePatterns(patterns: readonly (string | undefined)[], what = "pattern"): void {
  for (const pattern of patterns) {
    if (pattern !== undefined && REGEX_LOOKS.some((re) => re.test(pattern))) {
      warn(`${what} ${JSON.stringify(pattern)} looks like a regular expression, but patterns are literal text with * for any run of characters (e.g. "agent:main:*").`);
    }
  }
}

/**
 * A store that lists no session is most often the wrong folder: one level too high (the folder that
 * holds the state dir) or too low (agents/ itself). Says what the right level looks like.
 */
export async function warnIfNoSessions(ctx: AppContext): Promise<void> {
  if ((await ctx.store.list()).sessions.length > 0) return;
  for (const root of ctx.store.roots ?? []) {
    if (existsSync(join(root, ".clawjs"))) continue;
    if (existsSync(join(root, "agents"))) {
      warn(`store ${root} has no sessions (nothing in its agents/*/sessions/ folders).`);
      continue;
    }
    const below = childrenWith(root, "agents");
    const hint = below.length > 0 ? ` Did you mean --store ${below[0]}?` : root.endsWith("/agents") || root.endsWith("agents") ? ` Did you mean --store ${join(root, "..")}?` : "";
    warn(`store ${root} has no agents/ folder, so no sessions: --store takes the OpenClaw state dir, the folder that holds agents/ (like ~/.openclaw).${hint}`);
  }
}

function childrenWith(root: string, name: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, name)))
      .map((entry) => join(root, entry.name));
  } catch {
    return [];
  }
}

/** Said at start: without a usable cache dir, cursors work only within this one process. */
export function warnIfNoCache(ctx: AppContext): void {
  // (a refused one is reported when the context is made; a cursor secret keeps cursors working)
  if (ctx.cache.cache || ctx.cache.refused || process.env.SESSION_EVENTS_CURSOR_SECRET) return;
  warn(`${ctx.cache.reason}: running without a cache, so a --cursor printed now will not work in a later run. Set SESSION_EVENTS_CACHE_DIR to a folder you can write (or SESSION_EVENTS_CURSOR_SECRET).`);
}

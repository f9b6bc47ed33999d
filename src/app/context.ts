import { join } from "node:path";
import envPaths from "env-paths";
import { CursorCodec } from "../engine/cursor.js";
import { ClearanceSchema, ScopeSchema, type Principal } from "../engine/principal.js";
import { createRedactor, PATTERNS } from "../engine/redact.js";
import { policyIdOf } from "../fulltext/database.js";
import { FullTextIndex } from "../fulltext/fulltext-index.js";
import type { QueryContext } from "../engine/run-query.js";
import { openCacheDir, type CacheDirResult } from "../sources/cache-dir.js";
import { cachePruner } from "../sources/cache-prune.js";
import { IndexStore } from "../sources/index/index-store.js";
import { openStore, type Store } from "../sources/open-store.js";
import { loadConfigFile } from "./config-file.js";
import { cursorSecret } from "./cursor-key.js";

/** What a surface (MCP server, CLI) is started with: flags, each with an environment fallback. */
export type AppOptions = {
  /** One or more stores; see openStore. */
  store?: string | string[];
  caller?: string;
  scope?: string;
  clearance?: string;
  config?: string;
};

/** `cache`: the cache dir in use, or why there is none. */
export type AppContext = QueryContext & { store: Store; cache: CacheDirResult };

export const DEFAULT_PAGE_BYTES = 48 * 1024;
export const DEFAULT_MAX_FIELD_CHARS = 2000;
export const DEFAULT_SCAN_BUDGET_MB = 512;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SESSION_EVENTS_CACHE_DIR || envPaths("openclaw-session-events", { suffix: "" }).cache;
}

/** The principal from flags, else SESSION_EVENTS_CALLER / _SCOPE / _CLEARANCE; no caller is an operator. */
export function resolvePrincipal(options: AppOptions, env: NodeJS.ProcessEnv = process.env): Principal {
  const pick = (flag: string | undefined, name: string) => {
    const value = flag ?? env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const caller = pick(options.caller, "SESSION_EVENTS_CALLER");
  const scope = ScopeSchema.safeParse(pick(options.scope, "SESSION_EVENTS_SCOPE") ?? "tree");
  if (!scope.success) throw new Error(`scope must be one of ${ScopeSchema.options.join(", ")}.`);
  const clearance = ClearanceSchema.safeParse(pick(options.clearance, "SESSION_EVENTS_CLEARANCE") ?? "internal");
  if (!clearance.success) throw new Error(`clearance must be one of ${ClearanceSchema.options.join(", ")}.`);
  return caller === undefined
    ? { scope: "all", clearance: clearance.data }
    : { caller, scope: scope.data, clearance: clearance.data };
}

export function createAppContext(options: AppOptions, env: NodeJS.ProcessEnv = process.env): AppContext {
  const config = loadConfigFile(options.config);
  const opened = openCacheDir(cacheDir(env));
  const { cache } = opened;
  if (!opened.cache && opened.refused) {
    console.error(`[session-events] warning: ${opened.reason}; running without a cache (slower, and cursors last only this process unless a cursor secret is set).`);
  }
  const indexes = new IndexStore(cache?.indexes);
  // at most once a day, checked now and on use (a server runs for days): a stat otherwise
  const prune = cache ? cachePruner(cache, (gone) => indexes.forget(gone)) : () => undefined;
  prune();
  const store = openStore(options.store ?? env.SESSION_EVENTS_STORE, {
    env,
    clawjsAgent: config.clawjsAgentId,
    indexes,
    registryCopies: cache?.registries,
  });
  const redactor = createRedactor(config.redactPatterns);
  const policyId = policyIdOf([...PATTERNS.map((p) => p.regex), ...(config.redactPatterns ?? []).map((source) => ({ source, flags: "g" }))]);
  return {
    store,
    cache: opened,
    ...(cache ? { textIndex: new FullTextIndex(cache.fulltext, config.redactPatterns ?? [], policyId) } : {}),
    listSessions: async (sessionSetStamp, look) => {
      prune();
      return (await store.list(sessionSetStamp, look)).sessions;
    },
    sessionsNamed: (ref) => {
      prune();
      return store.named(ref);
    },
    sessionSetStamp: () => store.sessionSetStamp(),
    principal: resolvePrincipal(options, env),
    policy: {
      rules: config.confidential,
      redactor,
      pageBytes: config.pageBytes ?? DEFAULT_PAGE_BYTES,
      maxFieldChars: config.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS,
      scanBudgetBytes: (config.scanBudgetMB ?? DEFAULT_SCAN_BUDGET_MB) * 1024 * 1024,
    },
    cursors: new CursorCodec(cursorSecret(config.cursorSecret, cache, env)),
    now: () => Date.now(),
  };
}

import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createAppContext } from "../src/app/context.js";
import { sessionsOfOne } from "../src/engine/one-session.js";
import { sessionsInScope, type Principal, type Scope } from "../src/engine/principal.js";
import { querySessionEvents, type QueryContext } from "../src/engine/run-query.js";
import { selectOne } from "../src/engine/select.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import type { SessionState } from "../src/contract/session-state.js";
import { OpenClawFileSource } from "../src/sources/openclaw/file-source.js";
import { RegistryEntries } from "../src/sources/openclaw/registry-entries.js";
import type { SessionInfo } from "../src/sources/session.js";
import { assistantLine, conversation, header, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { agentDatabasePathIn, writeSqliteAgent } from "./helpers/fixture-sessions.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";

/**
 * session_events on one key finds its session without listing the store (engine/one-session.ts,
 * FileSource.named): the same sessions, the same scope, the same errors as the listing gives.
 */

const T0 = Date.parse("2026-03-10T09:00:00Z");
const caches: string[] = [];
afterAll(() => caches.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function newCache(): string {
  const dir = mkdtempSync(join(tmpdir(), "session-events-one-"));
  caches.push(dir);
  return dir;
}

/** A new process's context over the store (as a CLI run or a restarted server has), counting its listings. */
function processContext(root: string, cache: string, principal: Partial<Principal> = {}) {
  const env = { SESSION_EVENTS_CURSOR_SECRET: "one-session-secret-0123", SESSION_EVENTS_CACHE_DIR: cache };
  const ctx = createAppContext({ store: root, clearance: "confidential", caller: principal.caller, scope: principal.scope }, env);
  const counted = { ...ctx, listings: 0 };
  counted.listSessions = async () => {
    counted.listings++;
    return ctx.listSessions();
  };
  return counted;
}

/** What a listing of the whole store selects, or the error it gives. */
async function byListing(ctx: QueryContext, ref: string | undefined, generations?: "current" | "all") {
  try {
    return describe_(selectOne(sessionsInScope(await ctx.listSessions(), ctx.principal), ref, ctx.principal, generations));
  } catch (error) {
    return (error as Error).message;
  }
}

async function byName(ctx: QueryContext, ref: string | undefined, generations?: "current" | "all") {
  try {
    return describe_(await sessionsOfOne(ctx, ref, generations));
  } catch (error) {
    return (error as Error).message;
  }
}

/** Gives a key of an agent database an earlier transcript (a window that is not its current one), or takes all windows away. */
function earlierWindow(store: TempStateDir, agent: string, key: string | undefined, windows: boolean): void {
  const writer = new AgentDatabaseWriter(agentDatabasePathIn(store, agent));
  if (!windows) writer.db.exec("DELETE FROM session_windows");
  else if (key !== undefined) writer.window({ sessionId: "s4-earlier", key, createdAt: T0, updatedAt: T0 });
  writer.close();
}

/** Waits for a condition that a file-system event makes true (at most 5 s, the longest a lookup is kept anyway). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 6000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function describe_(sessions: SessionInfo[]) {
  return sessions.map((s) => ({ key: s.key, storeKey: s.storeKey, agent: s.agent, sessionId: s.sessionId, location: s.location, parentKey: s.parentKey }));
}

describe("RegistryEntries", () => {
  const key = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("agent:main:main", "AGENT:Main:Main", "main", 'a"b', "a\nb", "İx", "agent:main:a\\b"));
  const registries = fc.uniqueArray(fc.tuple(key, fc.oneof(key, fc.constant(undefined))), { selector: ([k]) => k, maxLength: 12 });

  it("finds the same entries in a saved copy's text as in the entries themselves", () => {
    fc.assert(
      fc.property(registries, key, (pairs, ref) => {
        const entries = new Map(pairs.map(([storeKey, sessionId]) => [storeKey, sessionId === undefined ? { label: "x" } : { sessionId, label: "x" }]));
        const text = [JSON.stringify({ v: 2, registry: "/r", signature: "s" }), ...RegistryEntries.savedLines(entries)].join("");
        const query = { storeKeys: [ref.toLowerCase(), "main"], sessionId: ref };
        const fromText = RegistryEntries.saved("s", Buffer.from(text)).find(query);
        const fromMap = RegistryEntries.of("s", entries).find(query);
        expect(fromText).toEqual(fromMap);
        const expected = [...entries].filter(([k, e]) => query.storeKeys.includes(k.toLowerCase()) || e.sessionId === ref);
        expect(fromMap).toEqual(expected);
        expect([...RegistryEntries.saved("s", Buffer.from(text)).all()]).toEqual([...entries]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("session_events on one key, without a listing", () => {
  it("reads the session without listing the store, in a new process and in the next one (from the registry copy), and answers as a listing would", async () => {
    const store = new TempStateDir();
    try {
      store.registry("main", {
        "agent:main:main": { sessionId: "m", updatedAt: T0 },
        "agent:main:other": { sessionId: "o", updatedAt: T0 },
      });
      store.transcript("main", "m.jsonl", conversation("m", T0, 3));
      store.transcript("main", "o.jsonl", conversation("o", T0, 2));
      const cache = newCache();
      const input = { sessionKey: "agent:main:main", limit: 50 };
      const first = processContext(store.root, cache);
      const page = await querySessionEvents(first, input);
      expect(first.listings).toBe(0);
      expect(page.events.map((e) => e.session)).toEqual(Array(page.events.length).fill("agent:main:main"));
      expect(page.events.length).toBeGreaterThan(3);

      const next = processContext(store.root, cache); // the registry's copy is in the cache dir now
      const again = await querySessionEvents(next, input);
      expect(next.listings).toBe(0);
      const { nextCursor: _a, ...rest } = again;
      const listed = await querySessionEvents({ ...processContext(store.root, cache), sessionsNamed: undefined }, input);
      const { nextCursor: _b, ...restListed } = listed;
      expect(rest).toEqual(restListed);
    } finally {
      store.remove();
    }
  });

  it("looks the key up once for all the pages of a walk while the store is unchanged, and again once it changes", async () => {
    const store = new TempStateDir();
    const lookups = vi.spyOn(OpenClawFileSource.prototype, "named");
    try {
      store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 } });
      store.transcript("main", "m.jsonl", conversation("m", T0, 6));
      const ctx = processContext(store.root, newCache());
      let page = await querySessionEvents(ctx, { sessionKey: "main", limit: 5 });
      let pages = 1;
      while (page.hasMore) {
        page = await querySessionEvents(ctx, { sessionKey: "main", limit: 5, cursor: page.nextCursor });
        pages++;
      }
      expect(pages).toBeGreaterThan(2);
      expect(lookups).toHaveBeenCalledTimes(1);
      expect(ctx.listings).toBe(0);

      store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 + 1 } });
      await until(async () => {
        await querySessionEvents(ctx, { sessionKey: "main", limit: 5 });
        return lookups.mock.calls.length > 1;
      });
    } finally {
      lookups.mockRestore();
      store.remove();
    }
  });

  it("lists the store when only a listing can tell: an unregistered transcript, an unknown key", async () => {
    const store = new TempStateDir();
    try {
      store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 } });
      store.transcript("main", "m.jsonl", conversation("m", T0, 2));
      store.transcript("main", "stray.jsonl", conversation("stray", T0, 2));
      const ctx = processContext(store.root, newCache());
      const stray = await querySessionEvents(ctx, { sessionKey: "stray" });
      expect(stray.events[0]!.session).toBe("agent:main:unregistered:stray");
      expect(ctx.listings).toBe(1);
      await expect(querySessionEvents(ctx, { sessionKey: "agent:main:nope" })).rejects.toThrow('No session "agent:main:nope" visible to you');
    } finally {
      store.remove();
    }
  });

  // keys in several forms and cases, under more than one agent, ids shared or equal to a key, parents in cycles
  // (and, against all sense, keys that name the unregistered transcript "stray.jsonl" too)
  const keys = ["agent:main:main", "AGENT:MAIN:Main", "main", "agent:main:sub:1", "sub:2", "agent:work:w", "agent:work:sub:3", "w", "stray", "agent:main:unregistered:stray"];
  const entryArb = fc.record({
    sessionId: fc.constantFrom("s1", "s2", "s3", "s4-earlier", "agent:main:main", "sub:2"),
    spawnedBy: fc.option(fc.constantFrom(...keys), { nil: undefined }),
  });
  const registryArb = fc.dictionary(fc.constantFrom(...keys), entryArb, { maxKeys: 6 });
  const principalArb = fc.oneof(
    fc.constant<Partial<Principal>>({}),
    fc.record({ caller: fc.constantFrom(...keys, "agent:other:x"), scope: fc.constantFrom<Scope>("self", "tree", "agent", "all") }),
  );
  const refArb = fc.constantFrom(...keys, "current", "s1", "s2", "s4-earlier", "stray", "agent:main:unregistered:stray", "agent:main:nope", "AGENT:WORK:W");

  const answeredWithoutListing = { files: 0, sqlite: 0 };
  it("selects the same sessions as a listing does, or fails the same way, for any registry, caller and key", async () => {
    await fc.assert(
      fc.asyncProperty(registryArb, registryArb, principalArb, fc.array(refArb, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean(), fc.boolean(), async (main, work, principal, refs, stray, sqlite, windows) => {
        const store = new TempStateDir();
        try {
          store.registry("main", main);
          // or the work agent in SQLite, with a window per key (its current transcript) and one earlier transcript
          if (sqlite) writeSqliteAgent(store, "work", { registry: work, transcripts: {} });
          else store.registry("work", work);
          if (sqlite) earlierWindow(store, "work", Object.keys(work)[0], windows);
          if (stray) store.transcript("main", "stray.jsonl", conversation("stray", T0, 1));
          const cache = newCache();
          const listing = processContext(store.root, cache, principal);
          for (const ref of refs) {
            for (const generations of ["current", "all"] as const) {
              // each a new process: the first reads the registries and leaves copies, the others find keys in the copies
              const named = processContext(store.root, cache, principal);
              expect(await byName(named, ref, generations)).toEqual(await byListing(listing, ref, generations));
              if (named.listings === 0) answeredWithoutListing[sqlite ? "sqlite" : "files"]++;
            }
          }
        } finally {
          store.remove();
        }
      }),
      {
        numRuns: 100,
        examples: [
          // two keys that differ in case only: the later one's transcript is the current one of both, so the other's is an earlier one
          [{}, { "agent:main:main": { sessionId: "s1", spawnedBy: undefined }, "AGENT:MAIN:Main": { sessionId: "s2", spawnedBy: undefined } }, {}, ["s1"], false, true, true],
        ],
      },
    );
    expect(answeredWithoutListing.files).toBeGreaterThan(20);
    expect(answeredWithoutListing.sqlite).toBeGreaterThan(20);
  });
});

describe("event ids and session_state, without a listing", () => {
  const MAIN = "agent:main:main";
  const ALPHA = "agent:main:subagent:alpha"; // spawned by main
  const BETA = "agent:main:subagent:beta"; // spawned by main, but the registry says nothing of it
  const OTHER = "agent:main:other"; // not in main's tree
  const spawn = (ts: number, call: string, child: string) => [
    assistantLine(ts, [toolCall(call, "sessions_spawn", { task: call })], { stopReason: "toolUse" }),
    toolResultLine(ts + 1, call, "sessions_spawn", JSON.stringify({ status: "accepted", childSessionKey: child })),
  ];

  it("fetch an event and fold a session's state as a listing would, for every caller, without listing the store", async () => {
    const store = new TempStateDir();
    try {
      store.registry("main", {
        [MAIN]: { sessionId: "m", updatedAt: T0 + 9000 },
        [ALPHA]: { sessionId: "a", updatedAt: T0 + 5000, spawnedBy: MAIN, status: "done", endedAt: T0 + 5000 },
        [OTHER]: { sessionId: "o", updatedAt: T0 + 3000, status: "failed", endedAt: T0 + 3000 },
      });
      store.transcript("main", "m.jsonl", [header("m", T0), userLine(T0 + 1000, "split the work"), ...spawn(T0 + 2000, "c1", ALPHA), ...spawn(T0 + 4000, "c2", BETA), ...spawn(T0 + 6000, "c3", OTHER)]);
      store.transcript("main", "a.jsonl", conversation("a", T0 + 3000, 1));
      store.transcript("main", "o.jsonl", conversation("o", T0 + 2000, 1));
      const ids = (await querySessionEvents(processContext(store.root, newCache()), { sessionKey: MAIN, limit: 50 })).events.map((e) => e.id);
      const otherId = (await querySessionEvents(processContext(store.root, newCache()), { sessionKey: OTHER, limit: 5 })).events[1]!.id;
      const outcome = async (run: () => Promise<unknown>) => run().catch((error: Error) => error.message);
      const principals: Array<Partial<Principal>> = [{}, { caller: MAIN, scope: "tree" }, { caller: ALPHA, scope: "tree" }, { caller: MAIN, scope: "self" }, { caller: OTHER, scope: "agent" }];
      let withoutListing = 0;
      for (const principal of principals) {
        for (const eventId of [ids[1]!, ids.at(-1)!, otherId, "m:999", "nope:1"]) {
          const named = processContext(store.root, newCache(), principal);
          const listed = { ...processContext(store.root, newCache(), principal), sessionsNamed: undefined };
          const call = (ctx: QueryContext) => outcome(() => querySessionEvents(ctx, { eventId }).then(({ nextCursor: _c, ...page }) => page));
          expect(await call(named)).toEqual(await call(listed));
          expect(named.listings).toBe(0);
        }
        for (const sessionKey of [MAIN, ALPHA, OTHER]) {
          const named = processContext(store.root, newCache(), principal);
          const listed = { ...processContext(store.root, newCache(), principal), sessionsNamed: undefined };
          const state = await outcome(() => querySessionState(named, { sessionKey }));
          expect(state).toEqual(await outcome(() => querySessionState(listed, { sessionKey })));
          // a session the caller may not see is told "no session" as a listing tells it, after one
          if (typeof state !== "string") {
            expect(named.listings).toBe(0);
            withoutListing++;
          }
          if (sessionKey === MAIN && typeof state !== "string") {
            const seen = principal.caller === undefined || principal.scope === "agent" ? "all" : principal.scope;
            expect((state as SessionState).spawned.children.map((c) => [c.childSessionKey, c.status])).toEqual([
              [ALPHA, seen === "self" ? "unknown" : "done"],
              [BETA, "unknown"],
              [OTHER, seen === "all" ? "failed" : "unknown"],
            ]);
          }
        }
      }
      expect(withoutListing).toBe(10);
    } finally {
      store.remove();
    }
  });
});

/**
 * The full-text index (issue 28): a brute-force reference matcher agrees with sessions_search on both
 * paths, the index and the scan, over generated sessions (words, phrases, prefixes, case, accents,
 * thinking, tool args as JSON), and still after appends, rewrites and transcripts that vanish; the
 * index is really used (an indexed search reads no transcript), and an update reads only what is new.
 */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackgroundIndexer } from "../src/app/background-index.js";
import { createAppContext, type AppContext } from "../src/app/context.js";
import type { SearchResult } from "../src/contract/search.js";
import type { TextIndex } from "../src/engine/search/text-index.js";
import { FULLTEXT_VERSION, MAX_DOC_ID } from "../src/fulltext/database.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { newReadStats } from "../src/sources/session.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-07-01T10:00:00Z");
const VOCAB = ["Budget", "budget", "BÜDGET", "review", "Révision", "café", "cafe", "file_path", "sk-abc", "日本語", "naïve", "Straße", "x1", "42", "budgeting", "re-view"];
const QUERIES = ["budget", "BUDGET review", '"budget review"', "budg*", "cafe", "CAFÉ", "revision", '"file path"', "file_path", "sk-abc", "日本語", "naive", "straße", "x1 42", '"review budg*"', "re*", "read_file", "zanzibar", "path 42", "\"path cafe\"", "\"42 note\"", "\"file path budget\""];

/** One generated event: its kind, and the words it is made of. */
type Turn = { kind: "user" | "assistant" | "call" | "result"; words: string[]; more: string[] };

/** Reference words: character by character, decomposed, marks dropped, lower-cased, split at non-letters/digits. */
function refWords(input: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of input.normalize("NFD")) {
    if (/\p{M}/u.test(ch)) continue;
    if (/[\p{L}\p{N}]/u.test(ch)) current += ch.toLowerCase();
    else if (current) {
      words.push(current);
      current = "";
    }
  }
  if (current) words.push(current);
  return words;
}

type RefTerm = { words: string[]; prefixLast: boolean };

function refTerms(query: string): RefTerm[] {
  return [...query.matchAll(/"([^"]*)"|([^\s"]+)/g)]
    .map((m) => m[1] ?? m[2]!)
    .map((raw) => ({ words: refWords(raw), prefixLast: raw.endsWith("*") }))
    .filter((t) => t.words.length > 0);
}

/** Every term is found in some field: a phrase within one field, consecutive words. */
function refMatches(terms: RefTerm[], fields: string[]): boolean {
  const fieldWords = fields.map(refWords);
  return terms.every(({ words: tw, prefixLast }) =>
    fieldWords.some((words) => {
      for (let i = 0; i + tw.length <= words.length; i++) {
        if (tw.every((w, j) => (prefixLast && j === tw.length - 1 ? words[i + j]!.startsWith(w) : words[i + j] === w))) return true;
      }
      return false;
    }),
  );
}

/** The searchable fields of a generated event as EVENTS.md lists them (internal clearance: thinking too). */
function refFields(turn: Turn): string[] {
  const joined = turn.words.join(" ");
  switch (turn.kind) {
    case "user":
    case "result":
      return [joined];
    case "assistant":
      return [joined, turn.more.join(" ")];
    case "call":
      return ["read_file", "file_path", joined, "n", "42", "note", turn.more.join(", ")];
  }
}

function linesOf(sessionId: string, turns: Turn[], start: number): Record<string, unknown>[] {
  return turns.map((turn, i) => {
    const ts = T0 + start + i * 1000;
    const joined = turn.words.join(" ");
    switch (turn.kind) {
      case "user":
        return userLine(ts, joined);
      case "assistant":
        return assistantLine(ts, [{ type: "thinking", thinking: turn.more.join(" ") }, text(joined)]);
      case "call":
        return assistantLine(ts, [toolCall(`${sessionId}-${start + i}`, "read_file", { file_path: joined, n: 42, note: turn.more.join(", ") })]);
      case "result":
        return toolResultLine(ts, `${sessionId}-${start + i}`, "read_file", joined);
    }
  });
}

const turnArb = fc.record({
  kind: fc.constantFrom<Turn["kind"]>("user", "assistant", "call", "result"),
  words: fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 6 }),
  more: fc.array(fc.constantFrom(...VOCAB, "zanzibar"), { maxLength: 3 }),
});

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir("fulltext-");
});
afterEach(() => store.remove());

/** The reference's answer: each session with hits, and how many. */
function expected(sessions: Map<string, Turn[]>, query: string): Array<[string, number]> {
  const terms = refTerms(query);
  const out: Array<[string, number]> = [];
  for (const [key, turns] of sessions) {
    const hits = turns.filter((t) => refMatches(terms, refFields(t))).length;
    if (hits > 0) out.push([key, hits]);
  }
  return out.sort();
}

const got = (result: SearchResult) => result.sessions.map((r): [string, number] => [r.key, r.hits]).sort();

/** The context with its index watched: how many sessions the last search had to scan (-1: the index did not answer). */
function watched(ctx: AppContext): { ctx: AppContext; scanned: () => number } {
  const index = ctx.textIndex!;
  let scanned = -1;
  const textIndex: TextIndex = {
    search: (query, sessions, options) => {
      const answer = index.search(query, sessions, options);
      scanned = answer ? answer.unindexed.length : -1;
      return answer;
    },
    update: (sessions, options) => index.update(sessions, options),
  };
  return { ctx: { ...ctx, textIndex }, scanned: () => scanned };
}

/** The same context without its index: every session is scanned. */
const scanning = (ctx: AppContext): AppContext => ({ ...ctx, textIndex: undefined });

function write(sessions: Map<string, Turn[]>, updatedAt = T0 + 10_000_000): void {
  const registry: Record<string, Record<string, unknown>> = {};
  for (const [key, turns] of sessions) {
    const id = key.split(":").at(-1)!;
    registry[key] = { sessionId: id, updatedAt };
    store.transcript("main", `${id}.jsonl`, [header(id, T0), ...linesOf(id, turns, 0)]);
  }
  store.registry("main", registry);
}

/** Every page of sessions_events with this text, as "session#seq"; and its counts by session. */
async function textWalk(ctx: AppContext, text: string): Promise<{ events: string[]; groups: unknown }> {
  const events: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await querySessionsEvents(ctx, { text, limit: 2, cursor });
    events.push(...page.events.map((e) => `${e.session}#${e.seq}`));
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  return { events, groups: (await querySessionsEvents(ctx, { text, groupBy: ["session"] })).groups };
}

async function expectBothPaths(ctx: AppContext, sessions: Map<string, Turn[]>, query: string): Promise<void> {
  const indexed = await searchSessions(ctx, { query, limit: 100 });
  const scanned = await searchSessions(scanning(ctx), { query, limit: 100 });
  expect(got(indexed), `index: ${query}`).toEqual(expected(sessions, query));
  // titles, snippets, order and counts: the same answer either way
  expect(indexed, `index vs scan: ${query}`).toEqual(scanned);
  // the text filter of event pages, which reads only the sessions the index does not rule out
  const walked = await textWalk(ctx, query);
  expect(walked, `pages: ${query}`).toEqual(await textWalk(scanning(ctx), query));
  expect(walked.events.length, `pages: ${query}`).toBe(expected(sessions, query).reduce((sum, [, hits]) => sum + hits, 0));
}

describe("the index gives the scan's answers", () => {
  it("over generated sessions, both agree with the reference", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(turnArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), async (generated) => {
        run++;
        const sessions = new Map(generated.map((turns, i): [string, Turn[]] => [`agent:main:r${run}s${i}`, turns]));
        rmSync(join(store.root, "agents"), { recursive: true, force: true });
        write(sessions);
        const { ctx, scanned } = watched(contextFor(store.root));
        const pass = await ctx.textIndex!.update(await ctx.listSessions());
        expect(pass.indexed).toBe(sessions.size);
        for (const query of QUERIES) {
          await expectBothPaths(ctx, sessions, query);
          expect(scanned(), query).toBe(0);
        }
      }),
      { numRuns: 15, seed: 2828 },
    );
  }, 120_000);

  it("after appends, rewrites and a transcript that vanishes; an update reads only what is new", async () => {
    const turn = (kind: Turn["kind"], words: string, more = ""): Turn => ({ kind, words: words.split(" "), more: more ? more.split(" ") : [] });
    const sessions = new Map<string, Turn[]>([
      ["agent:main:a", [turn("user", "budget review please"), turn("assistant", "the budget is fine", "zanzibar budget")]],
      ["agent:main:b", [turn("user", "open the café file"), turn("call", "/srv/budget.md"), turn("result", "budget review done")]],
      ["agent:main:c", [turn("user", "nothing here at all")]],
    ]);
    write(sessions);
    const { ctx, scanned } = watched(contextFor(store.root));
    await expectBothPaths(ctx, sessions, "budget");
    expect(scanned()).toBe(3); // nothing indexed yet: all scanned
    expect(await ctx.textIndex!.update(await ctx.listSessions())).toMatchObject({ indexed: 3, rebuilt: 3 });
    for (const query of ["budget", "zanzibar", '"budget review"', "caf*"]) await expectBothPaths(ctx, sessions, query);
    expect(scanned()).toBe(0);
    // a prefix before a phrase's last word is beyond FTS5: that query is scanned, with the same answer
    const midPrefix = await searchSessions(ctx, { query: '"budg* review"' });
    expect(scanned()).toBe(-1);
    expect(midPrefix).toEqual(await searchSessions(scanning(ctx), { query: '"budg* review"' }));
    expect(midPrefix.sessions.map((r) => r.key).sort()).toEqual(["agent:main:a", "agent:main:b"]);
    // a text page reads only the sessions the index does not rule out
    const entered = async (c: AppContext) => {
      const work = newReadStats();
      await querySessionsEvents({ ...c, workDone: work }, { text: "zanzibar" });
      return work.sessionsRead;
    };
    expect([await entered(ctx), await entered(scanning(ctx))]).toEqual([1, 3]);

    // appended: answered right before the update (the grown session is scanned), then indexed, reading only the new lines
    const appended = [turn("user", "one more budget question"), turn("result", "walrus budget")];
    store.append("main", "a.jsonl", linesOf("a", appended, 100_000));
    sessions.get("agent:main:a")!.push(...appended);
    for (const query of ["budget", "walrus"]) await expectBothPaths(ctx, sessions, query);
    expect(scanned()).toBe(1);
    expect(await ctx.textIndex!.update(await ctx.listSessions())).toMatchObject({ indexed: 1, rebuilt: 0, events: 2 });
    for (const query of ["budget", "walrus"]) await expectBothPaths(ctx, sessions, query);
    expect(scanned()).toBe(0);

    // rewritten with the same size (an edit in place) and rewritten whole: indexed anew
    const bPath = join(store.sessionsDir("main"), "b.jsonl");
    const { readFileSync } = await import("node:fs");
    writeFileSync(bPath, readFileSync(bPath, "utf8").replaceAll("budget review done", "bucket review done"));
    sessions.get("agent:main:b")![2] = turn("result", "bucket review done");
    const cTurns = [turn("user", "budget talk after all"), turn("assistant", "sure")];
    store.transcript("main", "c.jsonl", [header("c", T0), ...linesOf("c", cTurns, 0)]);
    sessions.set("agent:main:c", cTurns);
    for (const query of ["budget", "bucket", '"budget review"']) await expectBothPaths(ctx, sessions, query);
    expect(scanned()).toBe(2);
    expect(await ctx.textIndex!.update(await ctx.listSessions())).toMatchObject({ indexed: 2, rebuilt: 2 });
    for (const query of ["budget", "bucket", '"budget review"', "talk"]) await expectBothPaths(ctx, sessions, query);
    expect(scanned()).toBe(0);

    // a transcript that vanishes (its registry entry stays) is found by neither path
    rmSync(join(store.sessionsDir("main"), "a.jsonl"));
    sessions.set("agent:main:a", []);
    for (const query of ["budget", "walrus", "zanzibar"]) await expectBothPaths(ctx, sessions, query);
  }, 60_000);

  it("reads on past the index's first hits of a session when none of them count; reads only the sessions it shows", async () => {
    const turn = (kind: Turn["kind"], words: string): Turn => ({ kind, words: words.split(" "), more: [] });
    const many = [...Array.from({ length: 150 }, (_, i) => turn("user", `budget line ${i}`)), turn("result", "budget at the end")];
    const sessions = new Map<string, Turn[]>([
      ["agent:main:many", many],
      ["agent:main:two", [turn("user", "budget one"), turn("result", "budget two")]],
      ["agent:main:one", [turn("result", "budget three")]],
    ]);
    write(sessions);
    const { ctx, scanned } = watched(contextFor(store.root));
    await ctx.textIndex!.update(await ctx.listSessions());
    const input = { query: "budget", types: ["tool_result" as const], limit: 100 };
    const indexed = await searchSessions(ctx, input);
    expect(scanned()).toBe(0);
    expect(indexed).toEqual(await searchSessions(scanning(ctx), input));
    expect(indexed.sessions.find((r) => r.key === "agent:main:many")!.snippets.map((sn) => sn.text)).toEqual(["«budget» at the end"]);
    // which sessions' events a search reads (the listing keeps its session objects between calls)
    const listed = await ctx.listSessions();
    const opened = new Set<string>();
    for (const session of listed) {
      const events = session.events.bind(session);
      session.events = (options) => (opened.add(session.key), events(options));
    }
    const read = async (c: AppContext) => {
      opened.clear();
      const answer = await searchSessions({ ...c, listSessions: async () => listed }, { query: "budget", limit: 1 });
      return [answer.sessions.length, answer.sessionsWithHits, opened.size];
    };
    expect(await read(ctx)).toEqual([1, 3, 1]);
    expect(await read(scanning(ctx))).toEqual([1, 3, 3]);
  });

  it("at public clearance thinking is not found through the index either", async () => {
    const sessions = new Map<string, Turn[]>([["agent:main:t", [{ kind: "assistant", words: ["hello"], more: ["zanzibar"] }]]]);
    write(sessions);
    const ctx = contextFor(store.root, { clearance: "public" });
    await ctx.textIndex!.update(await ctx.listSessions());
    expect((await searchSessions(ctx, { query: "zanzibar" })).sessions).toEqual([]);
    expect((await searchSessions(ctx, { query: "hello" })).sessions.map((r) => r.hits)).toEqual([1]);
  });

  it("an index of an older format is deleted when the index is opened, one of this format kept", async () => {
    write(new Map([["agent:main:old", [{ kind: "user", words: ["budget"], more: [] }]]]));
    const ctx = contextFor(store.root);
    const dir = ctx.cache.cache!.fulltext.dir;
    const older = ["v1-0123456789abcdef.sqlite", "v1-0123456789abcdef.sqlite-wal", "v1-fedcba9876543210.sqlite-shm"];
    for (const name of [...older, "notes.txt"]) writeFileSync(join(dir, name), "x");
    await ctx.textIndex!.update(await ctx.listSessions());
    const names = readdirSync(dir);
    expect(names.filter((name) => older.includes(name))).toEqual([]);
    expect(names).toContain("notes.txt");
    expect(names.filter((name) => name.startsWith(`v${FULLTEXT_VERSION}-`) && name.endsWith(".sqlite"))).toHaveLength(1);
    expect((await searchSessions(ctx, { query: "budget" })).sessions.map((r) => r.hits)).toEqual([1]);
  });

  it("a document whose id would pass what a row id holds is not indexed: its session is scanned, answered the same", async () => {
    const sessions = new Map<string, Turn[]>([["agent:main:far", [{ kind: "user", words: ["budget", "review"], more: [] }]]]);
    write(sessions);
    const { ctx, scanned } = watched(contextFor(store.root));
    await ctx.textIndex!.update([]); // makes the database
    const dir = ctx.cache.cache!.fulltext.dir;
    const file = readdirSync(dir).find((name) => name.endsWith(".sqlite"))!;
    // (the cache dir outlives this test: the document is taken out again)
    const edit = (sql: string) => {
      const db = new Database(join(dir, file));
      db.prepare(sql).run(MAX_DOC_ID);
      db.close();
    };
    edit(`INSERT INTO docs(id, name, version, mark, next_seq, last_hash, seen_day) VALUES (?, 'elsewhere', 'v', '', 0, NULL, ${Math.floor(Date.now() / 86_400_000)})`);
    try {
      const pass = await ctx.textIndex!.update(await ctx.listSessions());
      expect(pass.indexed).toBe(0);
      expect(got(await searchSessions(ctx, { query: "budget" }))).toEqual(expected(sessions, "budget"));
      expect(scanned()).toBe(1);
    } finally {
      edit("DELETE FROM docs WHERE id = ?");
    }
  });

  it("a server's background pass indexes the full text: its searches then read no transcript", async () => {
    const sessions = new Map<string, Turn[]>([["agent:main:bg", [{ kind: "user", words: ["budget", "review"], more: [] }]]]);
    write(sessions);
    const { ctx, scanned } = watched(contextFor(store.root));
    await searchSessions(ctx, { query: "walrus" });
    expect(scanned()).toBe(1);
    const indexer = new BackgroundIndexer(ctx);
    const passed = new Promise<void>((resolve) => indexer.start(() => resolve()));
    try {
      await passed;
    } finally {
      indexer.stop();
    }
    expect((await searchSessions(ctx, { query: "walrus" })).sessions).toEqual([]);
    expect(scanned()).toBe(0);
    expect(got(await searchSessions(ctx, { query: "budget" }))).toEqual(expected(sessions, "budget"));
  });

  it("the built `index` (its writer in a worker thread) leaves an index that gives the same answers, also after an append; it holds no secret, the config's patterns too", async () => {
    ensureBuilt();
    const turn = (kind: Turn["kind"], words: string, more = ""): Turn => ({ kind, words: words.split(" "), more: more ? more.split(" ") : [] });
    const sessions = new Map<string, Turn[]>([
      ["agent:main:w1", [turn("user", "Budget review café"), turn("assistant", "naïve budget", "zanzibar Straße"), turn("call", "file_path 42"), turn("result", "sk-abc 日本語 x1")]],
      ["agent:main:w2", [turn("user", "re-view BÜDGET"), turn("result", "budgeting Révision cafe")]],
      ["agent:main:w3", Array.from({ length: 60 }, (_, i) => turn(i % 2 ? "result" : "user", `${VOCAB[i % VOCAB.length]} budget ${VOCAB[(i * 7) % VOCAB.length]}`))],
    ]);
    write(sessions);
    const cacheDir = tempCacheDir("fulltext-worker");
    const config = join(cacheDir, "config.json");
    writeFileSync(config, JSON.stringify({ redactPatterns: ["zebra[0-9]+"] }));
    try {
      const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir });
      const index = async () => JSON.parse((await runCli(["index", "--store", store.root, "--config", config, "--json"], env)).stdout).textIndexed;
      expect(await index()).toMatchObject({ sessions: 3, rebuilt: 3 });
      const app = (clearance: "internal" | "confidential") =>
        createAppContext({ store: store.root, config, clearance }, { SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789", SESSION_EVENTS_CACHE_DIR: cacheDir });
      const { ctx, scanned } = watched(app("internal"));
      for (const query of QUERIES) {
        await expectBothPaths(ctx, sessions, query);
        expect(scanned(), query).toBe(0);
      }
      // secrets: one of the built-in patterns (in a tool call's args too), one of the config's
      store.append("main", "w1.jsonl", [userLine(T0 + 50_000, "deploy with password=hunter2secret and zebra12345 now"), assistantLine(T0 + 51_000, [toolCall("w1-s", "exec", { command: "login --token tok3nvalue99", note: "zebra777" })])]);
      expect(await index()).toMatchObject({ sessions: 1, rebuilt: 0 });
      for (const clearance of ["internal", "confidential"] as const) {
        const seen = watched(app(clearance));
        for (const query of ["hunter2secret", "zebra12345", "tok3nvalue99", "zebra777"]) {
          expect((await searchSessions(seen.ctx, { query })).sessions, `${clearance} ${query}`).toEqual([]);
          expect(seen.scanned(), query).toBe(0);
        }
        for (const query of ["deploy now", "login exec"]) expect((await searchSessions(seen.ctx, { query })).sessions.map((r) => r.key), query).toEqual(["agent:main:w1"]);
      }
      const appended = [turn("user", "walrus budget"), turn("result", "café walrus")];
      store.append("main", "w2.jsonl", linesOf("w2", appended, 100_000));
      sessions.get("agent:main:w2")!.push(...appended);
      expect(await index()).toMatchObject({ sessions: 1, rebuilt: 0, events: 2 });
      for (const query of ["walrus", "budget", "cafe"]) {
        await expectBothPaths(ctx, sessions, query);
        expect(scanned(), query).toBe(0);
      }
    } finally {
      removeCacheDir(cacheDir);
    }
  }, 120_000);
});

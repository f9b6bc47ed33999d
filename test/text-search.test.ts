/**
 * Text search (EVENTS.md "Text search"): a brute-force reference matcher in the test agrees with the
 * `text` filter over generated sessions (words, phrases, prefixes, case, accents, Unicode); paging with
 * text across sessions returns every match exactly once; bad queries are clear errors.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { SearchResultSchema } from "../src/contract/search.js";
import { QueryError } from "../src/engine/errors.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { createRedactor } from "../src/engine/redact.js";
import { compileQuery, textPredicate } from "../src/engine/search/matcher.js";
import { parseTextQuery } from "../src/engine/search/query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { searchableFields } from "../src/engine/search/searchable.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { SECRET_CORPUS } from "./helpers/secret-corpus.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-05-01T10:00:00Z");
let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

/** Reference words: character by character, decomposed, marks dropped, lower-cased, split at non-letters/digits. */
function refWords(textIn: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of textIn.normalize("NFD")) {
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

function refMatches(terms: RefTerm[], words: string[]): boolean {
  return terms.every(({ words: tw, prefixLast }) => {
    for (let i = 0; i + tw.length <= words.length; i++) {
      const ok = tw.every((w, j) => (prefixLast && j === tw.length - 1 ? words[i + j]!.startsWith(w) : words[i + j] === w));
      if (ok) return true;
    }
    return false;
  });
}

async function walk(run: (cursor?: string) => Promise<Page>): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 500; i++) {
    const page = await run(cursor);
    pages.push(page);
    if (!page.hasMore) return pages;
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

const VOCAB = ["Budget", "budget", "BÜDGET", "review", "Révision", "café", "cafe", "file_path", "sk-abc", "日本語", "naïve", "Straße", "x1", "42", "budgeting", "re-view"];

describe("the text filter agrees with a brute-force reference", () => {
  it("over generated sessions: words, phrases, prefixes, case and accents", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom("budget", "BUDGET review", '"budget review"', "budg*", "cafe", "CAFÉ", "revision", '"file path"', "file_path", "sk-abc", "日本語", "naive", "strasse", "straße", "x1 42", '"review budg*"', "re*"),
        async (sessions, query) => {
          run++;
          const local = new TempStateDir();
          try {
            const expected: string[] = [];
            const registry: Record<string, Record<string, unknown>> = {};
            sessions.forEach((messages, s) => {
              const id = `r${run}s${s}`;
              registry[`agent:main:s${s}`] = { sessionId: id, updatedAt: T0 + 100_000 };
              const lines: Record<string, unknown>[] = [header(id, T0 + s)];
              messages.forEach((words, m) => lines.push(userLine(T0 + s + 1000 * (m + 1), words.join(m % 2 ? " " : ", "))));
              local.transcript("main", `${id}.jsonl`, lines);
              messages.forEach((words, m) => {
                if (refMatches(refTerms(query), refWords(words.join(m % 2 ? " " : ", ")))) expected.push(`agent:main:s${s}#${m + 2}`);
              });
            });
            local.registry("main", registry);
            const ctx = contextFor(local.root);
            const pages = await walk((cursor) => querySessionsEvents(ctx, { text: query, limit: 3, cursor }));
            const got = pages.flatMap((p) => p.events.map((e) => `${e.session}#${e.seq}`));
            expect(got.sort()).toEqual(expected.sort());
          } finally {
            local.remove();
          }
        },
      ),
      { numRuns: 40, seed: 28 },
    );
  });
});

/** The reference's reading of a query: quoted phrases, bare terms (several words: a phrase), a trailing * a prefix. */
function refTerms(query: string): RefTerm[] {
  const terms: RefTerm[] = [];
  for (const m of query.matchAll(/"([^"]*)"|([^\s"]+)/g)) {
    const raw = m[1] ?? m[2]!;
    const words = refWords(raw);
    if (words.length > 0) terms.push({ words, prefixLast: raw.endsWith("*") });
  }
  return terms;
}

describe("searchable text by event type", () => {
  function seed() {
    store.registry("main", { "agent:main:main": { sessionId: "m1", updatedAt: T0 + 60_000 } });
    store.transcript("main", "m1.jsonl", [
      header("m1", T0),
      userLine(T0 + 1000, "Where is the quarterly budget review?"),
      assistantLine(T0 + 2000, [{ type: "thinking", thinking: "pondering zanzibar" }, text("Looking."), toolCall("c1", "read_file", { file_path: "/srv/reports/q3.md", lines: 40 })]),
      toolResultLine(T0 + 3000, "c1", "read_file", "Revenue grew; the Überblick is attached."),
      assistantLine(T0 + 4000, [text("")], { stopReason: "error", errorMessage: "rate limit exceeded" }),
    ]);
  }

  it.each([
    ["budget review", ["message"]],
    ['"review budget"', []],
    ["ueberblick", []],
    ["uberblick", ["tool_result"]],
    ["read_file", ["tool_call"]],
    ["file_path", ["tool_call"]],
    ["q3", ["tool_call"]],
    ["40", ["tool_call"]],
    ["zanzibar", ["message"]],
    ['"rate limit"', ["error"]],
  ])("%s finds %j", async (query, types) => {
    seed();
    const page = await querySessionEvents(contextFor(store.root), { sessionKey: "agent:main:main", text: query });
    expect(page.events.map((e) => e.type)).toEqual(types);
  });

  it("does not search thinking at public clearance", async () => {
    seed();
    const page = await querySessionEvents(contextFor(store.root, { clearance: "public" }), { sessionKey: "agent:main:main", text: "zanzibar" });
    expect(page.events).toEqual([]);
  });

  it("combines with types and binds the cursor to the text", async () => {
    seed();
    const ctx = contextFor(store.root);
    const page = await querySessionEvents(ctx, { sessionKey: "agent:main:main", text: "rev*", types: ["tool_result"] });
    expect(page.events.map((e) => e.type)).toEqual(["tool_result"]);
    await expect(querySessionEvents(ctx, { sessionKey: "agent:main:main", text: "other", types: ["tool_result"], cursor: page.nextCursor })).rejects.toThrow(/cursor/i);
  });

  it("counts by group only the matching events", async () => {
    seed();
    const page = await querySessionEvents(contextFor(store.root), { sessionKey: "agent:main:main", text: "read_file", groupBy: ["type"] });
    expect(page.groups).toEqual([expect.objectContaining({ key: { type: "tool_call" }, count: 1 })]);
  });
});

describe("paging with text across sessions", () => {
  it("returns every match exactly once, asc and desc", async () => {
    const registry: Record<string, Record<string, unknown>> = {};
    const expected = new Set<string>();
    for (let s = 0; s < 6; s++) {
      const id = `p${s}`;
      registry[`agent:main:p${s}`] = { sessionId: id, updatedAt: T0 + 100_000 };
      const lines: Record<string, unknown>[] = [header(id, T0 + s * 7)];
      for (let m = 0; m < 30; m++) {
        const hit = (m + s) % 3 === 0;
        lines.push(userLine(T0 + s * 7 + 1000 * (m + 1), hit ? `deploy Failed at step ${m}` : `all good ${m}`));
        if (hit) expected.add(`agent:main:p${s}#${m + 2}`);
      }
      store.transcript("main", `${id}.jsonl`, lines);
    }
    store.registry("main", registry);
    const ctx = contextFor(store.root);
    for (const order of ["asc", "desc"] as const) {
      const pages = await walk((cursor) => querySessionsEvents(ctx, { text: '"deploy failed"', limit: 7, order, cursor }));
      const got = pages.flatMap((p) => p.events.map((e) => `${e.session}#${e.seq}`));
      expect(new Set(got).size).toBe(got.length);
      expect(new Set(got)).toEqual(expected);
      expect(pages.length).toBeGreaterThan(2);
    }
  });
});

describe("bad queries", () => {
  it.each([
    ["   ", /no words/],
    ["*** --", /no words/],
    ['"budget review', /unclosed quote/],
    ["x".repeat(501), /at most 500/],
  ])("%j is a clear error", (query, message) => {
    expect(() => parseTextQuery(query)).toThrow(message);
  });

  it("reaches the caller as a query error", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "m1", updatedAt: T0 } });
    store.transcript("main", "m1.jsonl", [header("m1", T0)]);
    await expect(querySessionsEvents(contextFor(store.root), { text: "--" })).rejects.toThrow(/no words/);
  });
});

describe("the quick test before redaction never drops a match", () => {
  const event = (textIn: string) =>
    ({ id: "x:1", seq: 1, timestamp: T0, agent: "main", session: "agent:main:main", sessionId: "x", type: "message", payload: { role: "user", text: textIn } }) as never;
  const redactor = createRedactor();
  const telegram = `12345678:${"A".repeat(34)}b`;

  it.each([
    [`id abc${telegram} end`, "abc", true], // redaction cuts a word: "abc[REDACTED:...]"
    [`id abc${telegram} end`, '"id abc"', true],
    [`id abc${telegram} end`, "redacted", true],
    [`id abc${telegram} end`, '"abc end"', false],
    [`id abc${telegram} end`, "AAAA*", false],
    [`sk-${"A".repeat(24)}éclair now`, "eclair", true], // ... and leaves the end of one: "[REDACTED:openai_key]éclair"
    [`sk-${"A".repeat(24)}éclair now`, '"eclair now"', true],
  ])("%s / %s", (textIn, query, expected) => {
    expect(textPredicate(parseTextQuery(query), "internal", redactor).matches(event(textIn), "public")).toBe(expected);
  });

  it("agrees with matching the redacted text directly, over text with secrets in it", () => {
    const pieces = [...SECRET_CORPUS.slice(0, 12).map((c) => c.text), "budget", "review", "token", "key", "abc", "sk", "ghp", "AKIA", " ", ", ", "_", "-", ":"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }), fc.constantFrom("budget", "token*", '"budget review"', "key", "sk*", "abc", "ghp", "akia*", '"review token"'), (parts, query) => {
        const textIn = parts.join("");
        const parsed = parseTextQuery(query);
        const direct = compileQuery(parsed)(searchableFields(event(textIn), "internal", redactor));
        expect(textPredicate(parsed, "internal", redactor).matches(event(textIn), "public")).toBe(direct);
      }),
      { numRuns: 300, seed: 28 },
    );
  });
});

describe("follow and budget with text", () => {
  it("a follow with text waits past appended events that do not match and returns the one that does", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "f1", updatedAt: T0 } });
    store.transcript("main", "f1.jsonl", [header("f1", T0), userLine(T0 + 1000, "deploy started")]);
    const ctx = contextFor(store.root);
    const first = await querySessionsEvents(ctx, { text: "deploy" });
    expect(first.events).toHaveLength(1);
    setTimeout(() => store.append("main", "f1.jsonl", [userLine(T0 + 2000, "unrelated chatter")]), 200);
    setTimeout(() => store.append("main", "f1.jsonl", [userLine(T0 + 3000, "Deploy finished")]), 900);
    const next = await querySessionsEvents(ctx, { text: "deploy", cursor: first.nextCursor, waitMs: 10_000 });
    expect(next.events.map((e) => e.payload.text)).toEqual(["Deploy finished"]);
  }, 20_000);

  it("sessions_search stops at the scan budget and says how many sessions it searched", async () => {
    const registry: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 5; i++) {
      registry[`agent:main:b${i}`] = { sessionId: `b${i}`, updatedAt: T0 + i * 1000 };
      store.transcript("main", `b${i}.jsonl`, [header(`b${i}`, T0), userLine(T0 + 1000, `budget ${"padding ".repeat(200)}`)]);
    }
    store.registry("main", registry);
    const ctx = contextFor(store.root);
    // (each transcript is about 1.8 KB; the budget is checked between sessions, most recently updated first)
    const capped = await searchSessions({ ...ctx, policy: { ...ctx.policy, scanBudgetBytes: 2000 } }, { query: "budget" });
    expect(capped.sessions.map((r) => r.key)).toEqual(["agent:main:b4", "agent:main:b3"]);
    expect(capped.notes.join(" ")).toMatch(/Searched 2 of 5 sessions/);
    const full = await searchSessions(ctx, { query: "budget" });
    expect(full.sessionsWithHits).toBe(5);
    expect(full.notes).toEqual([]);
  });
});

describe("any query string", () => {
  it("gets a valid sessions_search answer or a clear error, never a crash", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "q1", updatedAt: T0 } });
    store.transcript("main", "q1.jsonl", [header("q1", T0), userLine(T0 + 1000, 'Budget "review" café_au_lait *star* 日本語 sk-abc')]);
    const ctx = contextFor(store.root);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 }), fc.constantFrom('"', "*", "**a", "a**", '""', "\u0000", "é*", '"caf* au"')), async (query) => {
        try {
          SearchResultSchema.parse(await searchSessions(ctx, { query }));
          answered++;
        } catch (error) {
          expect(error).toBeInstanceOf(QueryError);
          expect((error as Error).message).toMatch(/search text/);
        }
      }),
      { numRuns: 300, seed: 28 },
    );
    expect(answered).toBeGreaterThan(50);
  });
});

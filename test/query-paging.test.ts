import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import type { Page } from "../src/contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { newReadStats } from "../src/sources/session.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, conversation, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-03-01T10:00:00Z");
let store: TempStateDir;

beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

function seedTwoSessions() {
  store.registry("main", {
    "agent:main:a": { sessionId: "sa", updatedAt: T0 + 60_000 },
    "agent:main:b": { sessionId: "sb", updatedAt: T0 + 60_000 },
  });
  store.transcript("main", "sa.jsonl", conversation("sa", T0, 5)); // events at T0 .. T0+10s
  store.transcript("main", "sb.jsonl", conversation("sb", T0 + 500, 5)); // interleaved, half a second later
}

async function walk(run: (cursor?: string) => Promise<Page>, maxPages = 100): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await run(cursor);
    pages.push(page);
    if (!page.hasMore) return pages;
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

describe("order and limit", () => {
  it("merges sessions by timestamp, then key, then seq, and reverses for desc", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    const asc = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 500 });
    expect(asc.events).toHaveLength(22);
    const keys = asc.events.map((e) => [e.timestamp, e.session, e.seq] as const);
    const sorted = [...keys].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2]);
    expect(keys).toEqual(sorted);
    expect(asc.events[0]!.session).toBe("agent:main:a");
    expect(asc.events[1]!.session).toBe("agent:main:b");

    const desc = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 500, order: "desc" });
    expect(desc.events.map((e) => e.id)).toEqual(asc.events.map((e) => e.id).reverse());
  });

  it("clamps a limit above 500 and says so; defaults to 50", async () => {
    store.registry("main", { "agent:main:big": { sessionId: "big", updatedAt: T0 } });
    store.transcript("main", "big.jsonl", conversation("big", T0, 400)); // 801 events
    const ctx = contextFor(store.root);
    const clamped = await querySessionEvents({ ...ctx, policy: { ...ctx.policy, pageBytes: 10_000_000 } }, { sessionKey: "agent:main:big", limit: 10_000 });
    expect(clamped.limit).toBe(500);
    expect(clamped.limitClamped).toBe(true);
    expect(clamped.notes.join(" ")).toMatch(/clamped/);
    expect(clamped.events).toHaveLength(500);
    expect(clamped.hasMore).toBe(true);
    const byDefault = await querySessionEvents(ctx, { sessionKey: "agent:main:big" });
    expect(byDefault.limit).toBe(50);
    expect(byDefault.events).toHaveLength(50);
    expect(byDefault.limitClamped).toBeUndefined();
  });
});

describe("time window", () => {
  it("keeps since inclusive and until exclusive, in every accepted form", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root, { now: T0 + 10_000 });
    const iso = await querySessionEvents(ctx, { sessionKey: "agent:main:a", since: new Date(T0 + 2000).toISOString(), until: T0 + 6000 });
    expect(iso.events.map((e) => e.timestamp)).toEqual([T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000]);
    expect(iso.window).toEqual({ since: new Date(T0 + 2000).toISOString(), until: new Date(T0 + 6000).toISOString() });
    const relative = await querySessionEvents(ctx, { sessionKey: "agent:main:a", since: "3s" });
    expect(relative.events.map((e) => e.timestamp)).toEqual([T0 + 7000, T0 + 8000, T0 + 9000, T0 + 10_000]);
    const epochString = await querySessionEvents(ctx, { sessionKey: "agent:main:a", since: String(T0 + 9000) });
    expect(epochString.events).toHaveLength(2);
  });

  it("rejects a bad since with the value and the accepted forms", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    await expect(querySessionEvents(ctx, { sessionKey: "agent:main:a", since: "yesterday-ish" })).rejects.toThrow(
      /since: "yesterday-ish" is not a time\. Use ISO-8601 .*epoch milliseconds.*duration/,
    );
    await expect(querySessionEvents(ctx, { sessionKey: "agent:main:a", since: "1h", until: "2h" })).rejects.toThrow(/must be before until/);
  });
});

describe("cursors", () => {
  it("walks every event exactly once while transcripts grow between pages", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    const seen: string[] = [];
    let cursor: string | undefined;
    let appended = 0;
    for (let page = 0; page < 50; page++) {
      const result = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 3, cursor });
      seen.push(...result.events.map((e) => e.id));
      if (appended < 4) {
        // the gateway appends to both sessions between our calls, later in time than all so far
        const ts = T0 + 100_000 + appended * 1000;
        store.append("main", "sa.jsonl", [userLine(ts, `late a ${appended}`)]);
        store.append("main", "sb.jsonl", [assistantLine(ts + 1, [text(`late b ${appended}`)])]);
        appended++;
      }
      cursor = result.nextCursor;
      if (!result.hasMore && appended >= 4) break;
    }
    const all = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 500 });
    expect(all.events).toHaveLength(30);
    expect(seen).toEqual(all.events.map((e) => e.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("resumes from the last page's cursor with only what was appended since, including a finished partial line", async () => {
    store.registry("main", { "agent:main:a": { sessionId: "sa", updatedAt: T0 } });
    store.transcript("main", "sa.jsonl", conversation("sa", T0, 1));
    const ctx = contextFor(store.root);
    const first = await querySessionEvents(ctx, { sessionKey: "agent:main:a" });
    expect(first.events).toHaveLength(3);
    expect(first.hasMore).toBe(false);
    const later = userLine(T0 + 5000, "appended later");
    const raw = JSON.stringify(later);
    store.appendRaw("main", "sa.jsonl", raw.slice(0, 20)); // mid-write
    const midWrite = await querySessionEvents(ctx, { sessionKey: "agent:main:a", cursor: first.nextCursor });
    expect(midWrite.events).toHaveLength(0);
    expect(midWrite.skippedLines).toBe(1);
    store.appendRaw("main", "sa.jsonl", `${raw.slice(20)}\n`);
    const done = await querySessionEvents(ctx, { sessionKey: "agent:main:a", cursor: midWrite.nextCursor });
    expect(done.events.map((e) => e.payload.text)).toEqual(["appended later"]);
    expect(done.events[0]!.seq).toBe(4);
  });

  it("rejects a cursor used with other arguments, a tampered one, and garbage, telling the caller to restart", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    const page = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 2 });
    await expect(querySessionsEvents(ctx, { sessionKey: "agent:main:a*", limit: 2, cursor: page.nextCursor })).rejects.toThrow(
      /different query: sessionKey is "agent:main:a\*" in this call but "agent:main:\*" in the walk.*without cursor/,
    );
    // the cursor is sealed: flipping any one byte of it is noticed
    const sealed = Buffer.from(page.nextCursor.slice(3), "base64url");
    for (const at of [0, 12, sealed.length >> 1, sealed.length - 1]) {
      const flipped = Buffer.from(sealed);
      flipped[at]! ^= 1;
      await expect(querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 2, cursor: `c1.${flipped.toString("base64url")}` })).rejects.toThrow(
        /altered, or issued with another key.*without cursor/,
      );
    }
    await expect(querySessionsEvents(ctx, { sessionKey: "agent:main:*", limit: 2, cursor: "not-a-cursor" })).rejects.toThrow(/without cursor/);
  });

  it("a cursor alone resumes its walk (the tool, patterns, filters and order it came from); limit may change", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    const input = { sessionKey: ["agent:main:a", "agent:main:b*"], types: ["message" as const], order: "desc" as const, since: "2000-01-01T00:00:00Z" };
    const whole = await querySessionsEvents(ctx, { ...input, limit: 500 });
    const first = await querySessionsEvents(ctx, { ...input, limit: 2 });
    const rest = await querySessionsEvents(ctx, { cursor: first.nextCursor, limit: 500 });
    expect([...first.events, ...rest.events].map((e) => e.id)).toEqual(whole.events.map((e) => e.id));
    expect(rest.order).toBe("desc");
    // the same arguments beside it are fine; a list of one pattern and the pattern itself are one walk
    expect((await querySessionsEvents(ctx, { ...input, limit: 500, cursor: first.nextCursor })).events).toEqual(rest.events);
    const one = await querySessionEvents(ctx, { sessionKey: "agent:main:a", limit: 1 });
    expect((await querySessionEvents(ctx, { cursor: one.nextCursor })).events[0]!.seq).toBe(2);
    await expect(querySessionsEvents(ctx, { cursor: one.nextCursor })).rejects.toThrow(/belongs to a session_events walk: pass it to session_events/);
    expect(first.nextCursor.length).toBeLessThan(400);
  });

  it("a query too large to carry is bound by its hash: its cursor stays small and needs the arguments again", async () => {
    seedTwoSessions();
    const ctx = contextFor(store.root);
    const patterns = Array.from({ length: 19 }, (_, i) => `agent:main:${String(i).padStart(3, "0")}${"x".repeat(240)}`);
    const input = { sessionKey: [...patterns, "agent:main:*"], limit: 1 };
    const two = await querySessionsEvents(ctx, { ...input, limit: 2 });
    const page = await querySessionsEvents(ctx, input);
    expect(page.nextCursor.length).toBeLessThanOrEqual(4096);
    expect((await querySessionsEvents(ctx, { ...input, cursor: page.nextCursor })).events[0]!.id).toBe(two.events[1]!.id);
    await expect(querySessionsEvents(ctx, { cursor: page.nextCursor })).rejects.toThrow(/different query or caller.*without cursor/);
  });

  it("keeps a relative window fixed across pages", async () => {
    seedTwoSessions();
    let now = T0 + 5000;
    const ctx = { ...contextFor(store.root), now: () => now };
    const first = await querySessionEvents(ctx, { sessionKey: "agent:main:a", since: "5s", limit: 2 });
    now += 3000; // the clock moves on; the window must not
    const second = await querySessionEvents(ctx, { sessionKey: "agent:main:a", since: "5s", limit: 2, cursor: first.nextCursor });
    expect(second.window).toEqual(first.window);
    expect(second.events.map((e) => e.timestamp)).toEqual([T0 + 2000, T0 + 3000]);
  });
});

describe("page size", () => {
  it("cuts long fields with a marker and stays within the byte budget", async () => {
    const long = "x".repeat(30_000);
    store.registry("main", { "agent:main:a": { sessionId: "sa", updatedAt: T0 } });
    const lines: Record<string, unknown>[] = [header("sa", T0)];
    for (let i = 0; i < 30; i++) lines.push(toolResultLine(T0 + i + 1, `c${i}`, "read", long));
    store.transcript("main", "sa.jsonl", lines);
    const ctx = contextFor(store.root);
    const pages = await walk((cursor) => querySessionEvents(ctx, { sessionKey: "agent:main:a", cursor, limit: 500 }));
    const events = pages.flatMap((p) => p.events);
    expect(events).toHaveLength(31);
    for (const page of pages) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(ctx.policy.pageBytes);
    const cut = events.filter((e) => e.type === "tool_result");
    for (const e of cut) {
      expect(e.truncated).toBe(true);
      expect(e.payload.text).toMatch(/^x{2000}…\[truncated: 28000 more chars\]$/);
    }
    expect(pages.some((p) => p.stoppedBy === "byteBudget")).toBe(true);
  });

  it("returns one event per page even when it alone exceeds the budget, so a walk always advances", async () => {
    const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`field${i}`, "y".repeat(1900)]));
    store.registry("main", { "agent:main:a": { sessionId: "sa", updatedAt: T0 } });
    store.transcript("main", "sa.jsonl", [header("sa", T0), assistantLine(T0 + 1, [toolCall("c1", "write", wide)]), userLine(T0 + 2, "next")]);
    const ctx = contextFor(store.root);
    const pages = await walk((cursor) => querySessionEvents(ctx, { sessionKey: "agent:main:a", cursor, types: ["tool_call", "message"] }));
    const events = pages.flatMap((p) => p.events);
    expect(events.map((e) => e.type)).toEqual(["message", "tool_call", "message"]);
    for (const page of pages) expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(ctx.policy.pageBytes);
    expect(events[1]!.truncated).toBe(true);
  });
});

describe("a line still being written", () => {
  it("holds back only that session, so its events are returned once complete and nothing after it is skipped", async () => {
    const now = Date.now();
    store.registry("main", { "agent:main:a": { sessionId: "sa", updatedAt: now }, "agent:main:b": { sessionId: "sb", updatedAt: now } });
    store.transcript("main", "sa.jsonl", [header("sa", now - 10_000)]);
    store.transcript("main", "sb.jsonl", [header("sb", now - 9000), userLine(now - 1000, "b after a's line")]);
    const line = JSON.stringify(userLine(now - 5000, "a, written slowly"));
    store.appendRaw("main", "sa.jsonl", line.slice(0, 90)); // the timestamp is already there
    const ctx = contextFor(store.root);
    const first = await querySessionsEvents(ctx, { limit: 50 });
    expect(first.events.map((e) => e.payload.text ?? e.type)).toEqual(["session_start", "session_start", "b after a's line"]);
    expect(first.hasMore).toBe(false);
    expect(first.notes.join(" ")).toMatch(/held back until a line being written completes/);
    store.appendRaw("main", "sa.jsonl", `${line.slice(90)}\n`);
    const second = await querySessionsEvents(ctx, { limit: 50, cursor: first.nextCursor });
    expect(second.events.map((e) => e.payload.text)).toEqual(["a, written slowly"]);
    const third = await querySessionsEvents(ctx, { limit: 50, cursor: second.nextCursor });
    expect(third.events).toEqual([]);
  });

  it("does not hold anything back for a half line left over from long ago", async () => {
    seedTwoSessions();
    store.appendRaw("main", "sa.jsonl", JSON.stringify(userLine(T0 + 3500, "never finished")).slice(0, 90));
    const page = await querySessionsEvents(contextFor(store.root), { limit: 500 });
    expect(page.events).toHaveLength(22);
    expect(page.notes).toEqual([]);
    expect(page.skippedLines).toBe(1);
  });
});

describe("a walk over many sessions", () => {
  /** Six sessions at different paces, interleaved in time: tool calls (hidden at public clearance), unreadable lines, one ended. */
  function seedManySessions(): void {
    const entries: Record<string, Record<string, unknown>> = {};
    for (let s = 0; s < 6; s++) {
      const id = `s${s}`;
      const start = T0 + s * 137;
      const step = 700 + s * 450; // some sessions busy, some slow
      const lines: Array<Record<string, unknown> | string> = [header(id, start)];
      for (let i = 0; i < 8; i++) {
        const ts = start + 1000 + i * step;
        lines.push(userLine(ts, `q ${s}.${i}`));
        lines.push(assistantLine(ts + 100, [toolCall(`c${s}${i}`, "read", { path: `/f${i}` })]));
        if ((s + i) % 5 === 0) lines.push("{not json");
        lines.push(toolResultLine(ts + 200, `c${s}${i}`, "read", `contents ${i}`));
        lines.push(assistantLine(ts + 300, [text(`a ${s}.${i}`)]));
      }
      store.transcript("main", `${id}.jsonl`, lines);
      entries[`agent:main:s${s}`] = s === 2 ? { sessionId: id, updatedAt: T0, status: "done", endedAt: start + 1000 + 7 * step + 400 } : { sessionId: id, updatedAt: T0 };
    }
    store.registry("main", entries);
  }

  async function withPinnedListing(ctx: AppContext): Promise<AppContext> {
    const listing = await ctx.listSessions();
    return { ...ctx, listSessions: async () => listing };
  }

  /** Asks for each page of a walk again, from the cursor the walk had before it (the first without one). */
  async function eachPageAlone(walked: readonly Page[], ask: (cursor?: string) => Promise<Page>): Promise<Page[]> {
    const pages: Page[] = [];
    for (let i = 0; i < walked.length; i++) pages.push(await ask(i === 0 ? undefined : walked[i - 1]!.nextCursor));
    return pages;
  }

  /** What a page says, less its cursor (sealed with a fresh nonce every time). */
  const gist = (page: Page) => ({ ...page, nextCursor: undefined, events: page.events.map((e) => `${e.id} ${e.type}`) });

  it("gives, page by page, what each call gives on its own, though later pages pass over sessions earlier pages read", async () => {
    seedManySessions();
    const inputs = [
      { sessionKey: "agent:main:*", limit: 4 },
      { sessionKey: "agent:main:*", limit: 3, types: ["message"], since: T0 + 4000 },
      { sessionKey: "agent:main:*", limit: 5, until: T0 + 9000 },
    ];
    for (const input of inputs) {
      // one context and one listing for the whole walk, as a server keeps it while the store is
      // unchanged (the files here were written just now, and their reads would make it list again)
      const ctx = await withPinnedListing(contextFor(store.root, { clearance: "public" }));
      const walked = await walk((cursor) => querySessionsEvents(ctx, { ...input, cursor }));
      // each page again, on a context of its own (nothing learned), from the same cursor
      const alone = await eachPageAlone(walked, (cursor) => querySessionsEvents(contextFor(store.root, { clearance: "public" }), { ...input, cursor }));
      expect(walked.map(gist)).toEqual(alone.map(gist));
      expect(walked.length).toBeGreaterThan(5);
      if (input === inputs[0]) expect(walked.some((p) => p.hiddenByVisibility > 0) && walked.some((p) => p.skippedLines > 0)).toBe(true);
    }
  });

  it("reads, on each later page, only the sessions whose next event can make it", async () => {
    // twelve sessions, one event a second each, interleaved: a page of one event has one session's next
    // event on it and another's after it; the other ten are known to come later
    const entries: Record<string, Record<string, unknown>> = {};
    for (let s = 0; s < 12; s++) {
      entries[`agent:main:s${s}`] = { sessionId: `s${s}`, updatedAt: T0 };
      store.transcript("main", `s${s}.jsonl`, [header(`s${s}`, T0 + s * 10), ...Array.from({ length: 6 }, (_, i) => userLine(T0 + 1000 * (i + 1) + s * 10, `${s}.${i}`))]);
    }
    store.registry("main", entries);
    const input = { sessionKey: "agent:main:*", limit: 1 };
    const ctx = { ...(await withPinnedListing(contextFor(store.root))), workDone: newReadStats() };
    const walked = await walk((cursor) => querySessionsEvents(ctx, { ...input, cursor }), 200);
    // each page again on a context of its own, which knows nothing of where the sessions' next events are
    const alone = newReadStats();
    await eachPageAlone(walked, (cursor) => querySessionsEvents({ ...contextFor(store.root), workDone: alone }, { ...input, cursor }));
    expect(walked.flatMap((p) => p.events)).toHaveLength(12 * 7);
    // alone, a page reads every session (to its first event after the cursor); in the walk, a page reads
    // about two, and the sessions read to their end (which may grow: they are looked at again)
    expect(alone.sessionsRead).toBeGreaterThan(11 * walked.length);
    expect(ctx.workDone.sessionsRead).toBeLessThan(alone.sessionsRead / 2);
  });

  it("counts the hidden events and skipped lines of a session it passes over", async () => {
    // a's tool events (hidden at public clearance) and its unreadable line each sit between two of b's
    // events, while a's next visible event is well past them: pages there pass a over
    store.registry("main", { "agent:main:a": { sessionId: "a", updatedAt: T0 }, "agent:main:b": { sessionId: "b", updatedAt: T0 } });
    store.transcript("main", "a.jsonl", [
      header("a", T0),
      userLine(T0 + 1000, "q"),
      assistantLine(T0 + 2000, [toolCall("c1", "read", { path: "/f" })]),
      toolResultLine(T0 + 3000, "c1", "read", "contents"),
      assistantLine(T0 + 5000, [text("a")]),
      "{not json",
      userLine(T0 + 7000, "q2"),
    ]);
    store.transcript("main", "b.jsonl", [header("b", T0 + 100), ...[1500, 2500, 3500, 4500, 5500, 6500].map((t) => userLine(T0 + t, `b ${t}`))]);
    const input = { sessionKey: "agent:main:*", limit: 1 };
    const ctx = await withPinnedListing(contextFor(store.root, { clearance: "public" }));
    const walked = await walk((cursor) => querySessionsEvents(ctx, { ...input, cursor }));
    const alone = await eachPageAlone(walked, (cursor) => querySessionsEvents(contextFor(store.root, { clearance: "public" }), { ...input, cursor }));
    expect(walked.map(gist)).toEqual(alone.map(gist));
    expect(walked.reduce((n, p) => n + p.hiddenByVisibility, 0)).toBe(2);
    expect(walked.reduce((n, p) => n + p.skippedLines, 0)).toBe(1);
  });

  it("misses nothing when transcripts grow while the pages keep one listing", async () => {
    seedManySessions();
    // a server keeps its listing until the file system says the store changed: with it pinned, every
    // page works from one listing however the transcripts grow meanwhile
    const pinned = await withPinnedListing(contextFor(store.root, { clearance: "public" }));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0, grown = 0; page < 200; page++) {
      const result = await querySessionsEvents(pinned, { sessionKey: "agent:main:*", limit: 3, cursor });
      seen.push(...result.events.map((e) => e.id));
      if (page % 3 === 2 && grown < 6) {
        // later than everything so far: a session read to its end, one still being read, one mid-write
        const ts = T0 + 60_000 + grown * 1000;
        store.append("main", `s${grown % 6}.jsonl`, [userLine(ts, `late ${grown}`), assistantLine(ts + 1, [text(`late answer ${grown}`)])]);
        if (grown === 3) store.appendRaw("main", "s5.jsonl", JSON.stringify(userLine(ts + 2, "half")).slice(0, 30));
        if (grown === 4) store.appendRaw("main", "s5.jsonl", `${JSON.stringify(userLine(ts + 2, "half")).slice(30)}\n`);
        grown++;
      }
      cursor = result.nextCursor;
      if (!result.hasMore && grown >= 6) break;
    }
    const fresh = contextFor(store.root, { clearance: "public" });
    const all = (await walk((c) => querySessionsEvents(fresh, { sessionKey: "agent:main:*", limit: 500, cursor: c }))).flatMap((p) => p.events);
    expect(seen).toEqual(all.map((e) => e.id));
    expect(all.filter((e) => String(e.payload.text ?? e.payload.content ?? "").startsWith("late")).length).toBe(12);
    expect(all.some((e) => e.payload.text === "half")).toBe(true);
  });
});

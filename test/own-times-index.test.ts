/**
 * Events keep their lines' own times, which step back in real transcripts; the index still seeks by
 * time (each stretch keeps the range of its own times). Every windowed query, in both orders, paged
 * and counted, with cold and warm indexes of tiny stretches, must equal a brute-force filter of the
 * whole transcript's events.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import { CursorCodec } from "../src/engine/cursor.js";
import { createRedactor } from "../src/engine/redact.js";
import { querySessionEvents, querySessionsEvents, type QueryContext } from "../src/engine/run-query.js";
import { IndexStore } from "../src/sources/index/index-store.js";
import { openStore } from "../src/sources/open-store.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
let store: TempStateDir;
let cache: string;

beforeEach(() => {
  store = new TempStateDir();
  cache = tempCacheDir("own-times-cache");
});
afterEach(() => {
  store.remove();
  removeCacheDir(cache);
});

/**
 * Turns a minute apart whose clock steps back now and then: every 7th turn is stamped two hours
 * earlier, every 11th result before its call; the header is written last of all (a branched session).
 */
function steppingSession(id: string, turns: number, start: number): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [header(id, start + (turns + 5) * MIN)];
  for (let i = 0; i < turns; i++) {
    const t = start + i * MIN - (i % 7 === 3 ? 2 * HOUR : 0);
    lines.push(userLine(t, `question ${i} ${"q".repeat(i % 5 === 0 ? 300 : 30)}`));
    lines.push(assistantLine(t + 1000, [text(`answer ${i}`), toolCall(`c${i}`, i % 3 ? "read" : "exec", { n: i })], { stopReason: "toolUse" }));
    lines.push(toolResultLine(i % 11 === 5 ? t + 500 : t + 2000, `c${i}`, i % 3 ? "read" : "exec", `result ${i}`, i % 9 === 0));
  }
  return lines;
}

function context(): QueryContext {
  const opened = openStore(store.root, { indexes: new IndexStore(cache, 2048) });
  return {
    listSessions: async () => (await opened.list()).sessions,
    principal: { scope: "all", clearance: "confidential" },
    policy: { rules: [], redactor: createRedactor(), pageBytes: 48 * 1024, maxFieldChars: 2000 },
    cursors: new CursorCodec("own-times-secret"),
    now: () => T0 + 1000 * HOUR,
  };
}

/** Every page of a query, following cursors. */
async function walk(ctx: QueryContext, input: Record<string, unknown>, many: boolean): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const page = many ? await querySessionsEvents(ctx, { ...input, cursor }) : await querySessionEvents(ctx, { ...input, cursor } as never);
    events.push(...page.events);
    if (!page.hasMore) return events;
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

const ids = (events: SessionEvent[]) => events.map((e) => e.id);

describe("own times through the index", () => {
  it("a session's windowed pages, both orders, cold and warm, equal a filter of its whole read", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "s1", updatedAt: T0 + 500 * MIN } });
    store.transcript("main", "s1.jsonl", steppingSession("s1", 240, T0));
    const whole = await walk(context(), { sessionKey: "agent:main:main", limit: 500 }, false);
    expect(whole.length).toBeGreaterThan(700);
    // times really step back, and results before their calls have no duration
    expect(whole.some((e, i) => i > 0 && e.timestamp < whole[i - 1]!.timestamp)).toBe(true);
    expect(whole.filter((e) => e.type === "tool_result" || e.type === "tool_error").every((e) => e.payload.durationMs === undefined || (e.payload.durationMs as number) >= 0)).toBe(true);
    expect(whole.some((e) => (e.type === "tool_result" || e.type === "tool_error") && e.payload.durationMs === undefined)).toBe(true);
    const windows = [
      { since: T0 + 30 * MIN },
      { until: T0 + 90 * MIN },
      { since: T0 + 40 * MIN, until: T0 + 130 * MIN },
      { since: T0 - 2 * HOUR, until: T0 + 10 * MIN },
      { since: T0 + 239 * MIN },
    ];
    for (const round of ["cold", "warm"]) {
      for (const window of windows) {
        const inWindow = whole.filter((e) => (window.since === undefined || e.timestamp >= window.since) && (window.until === undefined || e.timestamp < window.until));
        expect(inWindow.length, JSON.stringify(window)).toBeGreaterThan(0);
        for (const types of [undefined, ["tool_error"]]) {
          const wanted = types ? inWindow.filter((e) => types.includes(e.type)) : inWindow;
          const asc = await walk(context(), { sessionKey: "agent:main:main", limit: 37, ...window, types }, false);
          expect(ids(asc), `${round} asc ${JSON.stringify(window)}`).toEqual(ids(wanted));
          const desc = await walk(context(), { sessionKey: "agent:main:main", limit: 29, order: "desc", ...window, types }, false);
          expect(ids(desc), `${round} desc ${JSON.stringify(window)}`).toEqual(ids(wanted).reverse());
        }
        const counted = await querySessionEvents(context(), { sessionKey: "agent:main:main", ...window, groupBy: ["type", "hour"] });
        const expected = new Map<string, number>();
        for (const e of inWindow) {
          const key = `${e.type} ${new Date(Math.floor(e.timestamp / HOUR) * HOUR).toISOString()}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
        expect(new Map(counted.groups!.map((g) => [`${g.key.type} ${g.key.hour}`, g.count])), `${round} counts ${JSON.stringify(window)}`).toEqual(expected);
      }
    }
  });

  it("sessions merge by each one's running maximum of time, none reordered, every event once", async () => {
    store.registry("main", {
      "agent:main:main": { sessionId: "s1", updatedAt: T0 + 500 * MIN },
      "agent:main:other": { sessionId: "s2", updatedAt: T0 + 500 * MIN },
    });
    store.transcript("main", "s1.jsonl", steppingSession("s1", 90, T0));
    store.transcript("main", "s2.jsonl", steppingSession("s2", 90, T0 + 30 * 1000));
    const merged = await walk(context(), { limit: 41 }, true);
    const one = await walk(context(), { sessionKey: "agent:main:main", limit: 500 }, false);
    const two = await walk(context(), { sessionKey: "agent:main:other", limit: 500 }, false);
    expect(new Set(ids(merged))).toEqual(new Set([...ids(one), ...ids(two)]));
    expect(merged).toHaveLength(one.length + two.length);
    for (const [key, alone] of [["agent:main:main", one], ["agent:main:other", two]] as const) {
      expect(ids(merged.filter((e) => e.session === key))).toEqual(ids(alone));
    }
    // the running maximum of each session's time never decreases along the merged page
    const running = new Map<string, number>();
    let last = -Infinity;
    for (const e of merged) {
      const r = Math.max(running.get(e.session) ?? -Infinity, e.timestamp);
      running.set(e.session, r);
      expect(r).toBeGreaterThanOrEqual(last);
      last = r;
    }
    const windowed = await walk(context(), { limit: 23, since: T0 + 20 * MIN, until: T0 + 70 * MIN, order: "desc" }, true);
    const expected = [...one, ...two].filter((e) => e.timestamp >= T0 + 20 * MIN && e.timestamp < T0 + 70 * MIN);
    expect(new Set(ids(windowed))).toEqual(new Set(ids(expected)));
    expect(windowed).toHaveLength(expected.length);
  });
});

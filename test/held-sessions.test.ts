import { utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import { INPUT_LIMITS } from "../src/contract/query-input.js";
import type { Page } from "../src/contract/page.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { header, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

/** Follows cursors until a page says nothing more exists now; returns the pages. */
async function follow(ctx: AppContext, cursor: string | undefined, limit: number): Promise<{ pages: Page[]; cursor: string }> {
  const pages: Page[] = [];
  for (let i = 0; i < 200; i++) {
    const page = await querySessionsEvents(ctx, { limit, cursor });
    expect(page.nextCursor.length).toBeLessThanOrEqual(INPUT_LIMITS.maxCursorLength);
    pages.push(page);
    cursor = page.nextCursor;
    if (!page.hasMore) return { pages, cursor };
  }
  throw new Error("the walk did not end");
}

const texts = (pages: Page[]) => pages.flatMap((p) => p.events.map((e) => (e.payload.text as string | undefined) ?? e.type));
const ids = (pages: Page[]) => pages.flatMap((p) => p.events.map((e) => e.id));

describe("a session with a line being written", () => {
  it("holds back only itself: the others' later events come, and its own come exactly once when the line completes", async () => {
    const now = Date.now();
    store.registry("main", { "agent:main:a": { sessionId: "sa", updatedAt: now }, "agent:main:b": { sessionId: "sb", updatedAt: now } });
    store.transcript("main", "sa.jsonl", [header("sa", now - 10_000), userLine(now - 9500, "a before")]);
    store.transcript("main", "sb.jsonl", [header("sb", now - 9000)]);
    const slow = JSON.stringify(userLine(now - 5000, "a, written slowly"));
    store.appendRaw("main", "sa.jsonl", slow.slice(0, 90)); // the timestamp is already there
    const ctx = contextFor(store.root);

    const seen: Page[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 4; i++) {
      store.append("main", "sb.jsonl", [userLine(now - 4000 + i * 100, `b ${i}`)]);
      const touched = new Date();
      utimesSync(join(store.sessionsDir("main"), "sa.jsonl"), touched, touched); // kept fresh
      const walked = await follow(ctx, cursor, 2);
      seen.push(...walked.pages);
      cursor = walked.cursor;
      expect(texts(walked.pages)).toContain(`b ${i}`);
    }
    expect(texts(seen)).toEqual(["session_start", "a before", "session_start", "b 0", "b 1", "b 2", "b 3"]);
    expect(seen.at(-1)!.notes.join(" ")).toMatch(/held back until a line being written completes/);

    store.appendRaw("main", "sa.jsonl", `${slow.slice(90)}\n`);
    store.append("main", "sa.jsonl", [userLine(now - 3000, "a after")]);
    const late = await follow(ctx, cursor, 1);
    expect(texts(late.pages)).toEqual(["a, written slowly", "a after"]);
    const again = await follow(ctx, late.cursor, 5);
    expect(ids(again.pages)).toEqual([]);
    const all = [...ids(seen), ...ids(late.pages)];
    expect(new Set(all).size).toBe(all.length);
  });

  it("with more such sessions than a cursor can hold, holds the rest back for everyone and keeps cursors within their limit", async () => {
    const now = Date.now();
    const SESSIONS = 50;
    const entries: Record<string, Record<string, unknown>> = { "agent:main:b": { sessionId: "sb", updatedAt: now } };
    const lines: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const id = `s${String(i).padStart(2, "0")}-${"x".repeat(30)}`;
      entries[`agent:main:writer-${id}`] = { sessionId: id, updatedAt: now };
      store.transcript("main", `${id}.jsonl`, [header(id, now - 30_000 + i * 100)]);
      lines.push(JSON.stringify(userLine(now - 20_000 + i * 100, `slow ${i}`)));
      store.appendRaw("main", `${id}.jsonl`, lines[i]!.slice(0, 90));
    }
    store.registry("main", entries);
    store.transcript("main", "sb.jsonl", [header("sb", now - 40_000), userLine(now - 1000, "b late")]);
    const ctx = contextFor(store.root);

    const first = await follow(ctx, undefined, 7);
    expect(texts(first.pages)).not.toContain("b late"); // held back by the sessions the cursor had no room for
    // (the sessions held on their own let the walk pass the others' earlier events)
    const starts = texts(first.pages).filter((t) => t === "session_start").length;
    expect(starts).toBeGreaterThan(20);
    expect(starts).toBeLessThan(SESSIONS + 1);

    for (let i = 0; i < SESSIONS; i++) store.appendRaw("main", `s${String(i).padStart(2, "0")}-${"x".repeat(30)}.jsonl`, `${lines[i]!.slice(90)}\n`);
    const rest = await follow(ctx, first.cursor, 7);
    const all = [...ids(first.pages), ...ids(rest.pages)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(2 * SESSIONS + 2);
    expect(texts(rest.pages)).toContain("b late");
  });
});

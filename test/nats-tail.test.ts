/**
 * A tail query on a long session reads the stream from the bridge's last mark in that session, not from
 * its first message (nor from sequence 1); a window, and a page after a cursor, from the mark before them.
 */
import { describe, expect, it } from "vitest";
import { querySessionEvents } from "../src/engine/run-query.js";
import { newReadStats } from "../src/sources/session.js";
import { contextFor } from "./helpers/context.js";
import { natsBed } from "./helpers/nats-bed.js";

const SESSION = "55555555-0000-4000-8000-000000000001";
const OTHER = "55555555-0000-4000-8000-000000000002";
const EVENTS = 6500;
const bed = natsBed("nats-tail", {
  before: async ({ store }) => {
    store.registry("main", { "agent:main:main": { sessionId: SESSION, updatedAt: Date.parse("2026-12-04T00:00:00Z"), sessionFile: `${SESSION}.jsonl` } });
    const t0 = Date.parse("2026-12-04T00:00:00Z");
    store.transcript(
      "main",
      `${SESSION}.jsonl`,
      Array.from({ length: EVENTS }, (_, i) => ({ type: "message", id: `m${i}`, parentId: null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: "user", content: `n ${i}` } })),
    );
    const result = await bed.publishOnce(["--gateway", "gw-t"]);
    expect(result.code, result.stderr).toBe(0);
    // another agent's session published after it: its messages sit in the stream past main's last mark
    store.registry("ops", { "agent:ops:main": { sessionId: OTHER, updatedAt: Date.parse("2026-12-04T00:00:00Z"), sessionFile: `${OTHER}.jsonl` } });
    store.transcript(
      "ops",
      `${OTHER}.jsonl`,
      Array.from({ length: 300 }, (_, i) => ({ type: "message", id: `o${i}`, parentId: null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: "user", content: `ops ${i}` } })),
    );
    const again = await bed.publishOnce(["--gateway", "gw-t"]);
    expect(again.code, again.stderr).toBe(0);
  },
});

describe("a tail query on the stream", () => {
  it("reads the last stretch only, and answers as the files do", async () => {
    const stream = { ...contextFor(bed.url), workDone: newReadStats() };
    const files = contextFor(bed.store.root);
    const tail = await querySessionEvents(stream, { sessionKey: "agent:main:main", order: "desc", limit: 5 });
    expect(tail.events.map((e) => e.seq)).toEqual([6500, 6499, 6498, 6497, 6496]);
    expect(tail.events.map((e) => e.payload)).toEqual((await querySessionEvents(files, { sessionKey: "agent:main:main", order: "desc", limit: 5 })).events.map((e) => e.payload));
    expect(stream.workDone.linesRead).toBeLessThanOrEqual(1000);

    // the next page of an ascending walk starts at the mark before its cursor
    const windowed = { ...contextFor(bed.url), workDone: newReadStats() };
    const first = await querySessionEvents(windowed, { sessionKey: "agent:main:main", since: "2026-12-04T01:40:00Z", limit: 3 });
    expect(first.events.map((e) => e.seq)).toEqual([6001, 6002, 6003]);
    // a window's first page starts at the mark before its start
    expect(windowed.workDone.linesRead).toBeLessThanOrEqual(1000);
    const fresh = { ...contextFor(bed.url), workDone: newReadStats() };
    const next = await querySessionEvents(fresh, { sessionKey: "agent:main:main", since: "2026-12-04T01:40:00Z", limit: 3, cursor: first.nextCursor });
    expect(next.events[0]!.seq).toBe(first.events[2]!.seq + 1);
    expect(fresh.workDone.linesRead).toBeLessThan(EVENTS - 4000);
  });

  it("reads each stretch once on a walk newest first, however many pages it takes", async () => {
    const walker = { ...contextFor(bed.url), workDone: newReadStats() };
    const seqs: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await querySessionEvents(walker, { sessionKey: "agent:main:main", order: "desc", limit: 100, cursor });
      seqs.push(...page.events.map((e) => e.seq));
      cursor = page.hasMore ? page.nextCursor : undefined;
    } while (cursor && seqs.length < 3000);
    expect(seqs.slice(0, 3000)).toEqual(Array.from({ length: 3000 }, (_, i) => EVENTS - i));
    // 30 pages over four stretches, each read once (the open last one again only for what is new; one
    // stretch past them read ahead): not a stretch per page
    expect(walker.workDone.linesRead).toBeLessThanOrEqual(3000 + 1000 + 500);
  });

  it("answers each agent's tail alone, whether a stretch was read with the subject filter or without", async () => {
    const files = contextFor(bed.store.root);
    for (const sessionKey of ["agent:main:main", "agent:ops:main"]) {
      const stream = contextFor(bed.url);
      let cursor: string | undefined;
      const got: unknown[] = [];
      const want: unknown[] = [];
      let filesCursor: string | undefined;
      do {
        const page = await querySessionEvents(stream, { sessionKey, order: "desc", limit: 200, cursor });
        const filePage = await querySessionEvents(files, { sessionKey, order: "desc", limit: 200, cursor: filesCursor });
        got.push(...page.events.map((e) => [e.seq, e.payload]));
        want.push(...filePage.events.map((e) => [e.seq, e.payload]));
        cursor = page.hasMore ? page.nextCursor : undefined;
        filesCursor = filePage.hasMore ? filePage.nextCursor : undefined;
      } while (cursor && got.length < 2500);
      expect(got.length).toBeGreaterThan(sessionKey === "agent:ops:main" ? 299 : 2400);
      expect(got).toEqual(want.slice(0, got.length));
    }
  });
});

/**
 * Following a session on the stream (waitMs) wakes when its next message lands, through a consumer's
 * `next`, not at the next 2-second poll; and a wait with nothing new ends empty when its time is up.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { UNWATCHED_POLL_MS } from "../src/engine/query/follow.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { natsBed } from "./helpers/nats-bed.js";
import { readWholeStream } from "./helpers/nats-stream.js";

const SESSION = "66666666-0000-4000-8000-000000000001";
const t0 = Date.parse("2026-12-05T00:00:00Z");

const bed = natsBed("nats-follow", {
  before: async ({ store }) => {
    store.registry("main", { "agent:main:main": { sessionId: SESSION, updatedAt: t0, sessionFile: `${SESSION}.jsonl` } });
    store.transcript(
      "main",
      `${SESSION}.jsonl`,
      Array.from({ length: 20 }, (_, i) => ({ type: "message", id: `m${i}`, parentId: null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: "user", content: `n ${i}` } })),
    );
    const result = await bed.publishOnce(["--gateway", "gw-f"]);
    expect(result.code, result.stderr).toBe(0);
  },
});

describe("following a session on the stream", () => {
  it("wakes when the next message lands, well before a poll would look", async () => {
    const ctx = contextFor(bed.url);
    const first = await querySessionEvents(ctx, { sessionKey: "agent:main:main", limit: 100 });
    expect(first.events).toHaveLength(20);

    // the next event as the bridge would publish it: the last one, one further on
    const last = (await readWholeStream(bed.url)).at(-1)!;
    const next = { ...last.data, id: `${String(last.data.id)}-next`, seq: 21, timestamp: t0 + 21_000, payload: { role: "user", content: "n 21" } };
    const nc = await connect({ servers: bed.url.replace(/^nats:\/\//, "") });
    try {
      const started = performance.now();
      const follow = querySessionEvents(ctx, { sessionKey: "agent:main:main", cursor: first.nextCursor, waitMs: 15_000 });
      await sleep(300);
      const publishedAt = performance.now();
      await jetstream(nc).publish(last.subject, JSON.stringify(next), { msgID: next.id });
      const page = await follow;
      const woke = performance.now() - publishedAt;
      expect(page.events.map((e) => e.seq)).toEqual([21]);
      // a 2 s poll would have looked again 1.7 s after the publish at the soonest
      expect(woke, `woke ${woke.toFixed(0)} ms after the publish, ${(publishedAt - started).toFixed(0)} ms into the wait`).toBeLessThan(UNWATCHED_POLL_MS - 600);
    } finally {
      await nc.close();
    }
  }, 60_000);

  it("ends a quiet wait empty when its time is up", async () => {
    const ctx = contextFor(bed.url);
    const all = await querySessionEvents(ctx, { sessionKey: "agent:main:main", limit: 100 });
    const started = performance.now();
    const page = await querySessionEvents(ctx, { sessionKey: "agent:main:main", cursor: all.nextCursor, waitMs: 1500 });
    expect(page.events).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
  }, 30_000);
});

/**
 * A query server keeps the KV registry by watching it: a session added, changed or removed in the
 * bucket is seen by the very next query of the same server, and while nothing changes the listing
 * (and every session in it) is the one it had.
 */
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { natsBed } from "./helpers/nats-bed.js";

const FIRST = "99999999-0000-4000-8000-000000000001";
const SECOND = "99999999-0000-4000-8000-000000000002";
const t0 = Date.parse("2026-12-07T00:00:00Z");
const lines = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ type: "message", id: `${prefix}${i}`, parentId: null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: "user", content: `${prefix} ${i}` } }));

const bed = natsBed("nats-registry-watch", {
  before: async ({ store }) => {
    store.registry("main", { "agent:main:main": { sessionId: FIRST, updatedAt: t0, sessionFile: `${FIRST}.jsonl` } });
    store.transcript("main", `${FIRST}.jsonl`, lines("a", 20));
    const result = await bed.publishOnce(["--gateway", "gw-w"]);
    expect(result.code, result.stderr).toBe(0);
  },
});

async function withRegistry<T>(use: (kv: Awaited<ReturnType<Kvm["open"]>>) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: bed.url.replace(/^nats:\/\//, "") });
  try {
    return await use(await new Kvm(nc).open("openclaw-sessions"));
  } finally {
    await nc.close();
  }
}

describe("the KV registry, watched", () => {
  it("sees a session added, changed and removed in the bucket on the next query", async () => {
    const ctx = contextFor(bed.url);
    const keys = async () => (await ctx.listSessions()).map((s) => s.key).sort();
    expect(await keys()).toEqual(["agent:main:main"]);
    const unchanged = await ctx.listSessions();
    expect(await ctx.listSessions()).toBe(unchanged);

    // added: the bridge registers a second session (and publishes its events) while this server runs
    bed.store.registry("main", {
      "agent:main:main": { sessionId: FIRST, updatedAt: t0, sessionFile: `${FIRST}.jsonl` },
      "agent:main:second": { sessionId: SECOND, updatedAt: t0, sessionFile: `${SECOND}.jsonl` },
    });
    bed.store.transcript("main", `${SECOND}.jsonl`, lines("b", 7));
    const result = await bed.publishOnce(["--gateway", "gw-w"]);
    expect(result.code, result.stderr).toBe(0);
    const added = await querySessionEvents(ctx, { sessionKey: "agent:main:second", limit: 50 });
    expect(added.events.map((e) => e.payload.text)).toEqual(Array.from({ length: 7 }, (_, i) => `b ${i}`));
    expect(await keys()).toEqual(["agent:main:main", "agent:main:second"]);
    const all = await querySessionsEvents(ctx, { limit: 100 });
    expect(all.events).toHaveLength(27);

    // changed: the entry written again with a label; the first session's listing entry stays what it was
    const first = (await ctx.listSessions()).find((s) => s.sessionId === FIRST);
    await withRegistry(async (kv) => {
      const entry = (await kv.get(`gw-w.${SECOND}`))!.json<Record<string, unknown>>();
      await kv.put(`gw-w.${SECOND}`, JSON.stringify({ ...entry, label: "relabelled" }));
    });
    const changed = await ctx.listSessions();
    expect(changed.find((s) => s.sessionId === SECOND)?.label).toBe("relabelled");
    expect(changed.find((s) => s.sessionId === FIRST)).toBe(first);

    // removed: deleted from the bucket, the session is gone from the listing and from queries
    await withRegistry((kv) => kv.delete(`gw-w.${SECOND}`));
    expect(await keys()).toEqual(["agent:main:main"]);
    await expect(querySessionEvents(ctx, { sessionKey: "agent:main:second" })).rejects.toThrow(/agent:main:second/);
    expect((await querySessionsEvents(ctx, { limit: 100 })).events).toHaveLength(20);
  }, 60_000);
});

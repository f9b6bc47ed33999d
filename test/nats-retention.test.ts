/**
 * A stream trimmed by its retention (here max-msgs): reads answer what is left, page and walk right
 * (cursors rest on `seq`), and say what was removed; `--max-*` given to an existing stream updates it;
 * a session deleted from the stores leaves the KV registry.
 */
import { renameSync } from "node:fs";
import { join } from "node:path";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { visibleSessions } from "../src/engine/list-sessions.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { natsBed } from "./helpers/nats-bed.js";

const OLD = "88888888-0000-4000-8000-000000000001";
const LONG = "88888888-0000-4000-8000-000000000002";
const t0 = Date.parse("2026-12-06T00:00:00Z");
const lines = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ type: "message", id: `m${from + i}`, parentId: null, timestamp: new Date(t0 + (from + i) * 1000).toISOString(), message: { role: "user", content: `n ${from + i}` } }));

const bed = natsBed("nats-retention", {
  before: async ({ store }) => {
    // an old session published first, then a long one that pushes it (and its own start) out
    store.registry("main", { "agent:main:old": { sessionId: OLD, updatedAt: t0, sessionFile: `${OLD}.jsonl` } });
    store.transcript("main", `${OLD}.jsonl`, lines(100));
    const first = await bed.publishOnce(["--gateway", "gw-ret", "--max-msgs", "1000"]);
    expect(first.code, first.stderr).toBe(0);
    store.registry("main", { "agent:main:old": { sessionId: OLD, updatedAt: t0, sessionFile: `${OLD}.jsonl` }, "agent:main:main": { sessionId: LONG, updatedAt: t0, sessionFile: `${LONG}.jsonl` } });
    store.transcript("main", `${LONG}.jsonl`, lines(3000));
    const second = await bed.publishOnce(["--gateway", "gw-ret", "--max-msgs", "1000"]);
    expect(second.code, second.stderr).toBe(0);
  },
});

describe("a stream trimmed by its retention", () => {
  it("answers what is left, walks it whole and once, and says what was removed", async () => {
    const ctx = contextFor(bed.url);
    const seqs: number[] = [];
    let cursor: string | undefined;
    let notes: string[] = [];
    do {
      const page = await querySessionEvents(ctx, { sessionKey: "agent:main:main", limit: 300, cursor });
      seqs.push(...page.events.map((e) => e.seq));
      notes = page.notes;
      cursor = page.hasMore ? page.nextCursor : undefined;
    } while (cursor);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => 2001 + i));
    expect(notes.join(" ")).toMatch(/agent:main:main: the stream's retention removed its oldest events \(at least those up to seq 1001\), all before stream sequence 2101/);

    const tail = await querySessionEvents(ctx, { sessionKey: "agent:main:main", order: "desc", limit: 3 });
    expect(tail.events.map((e) => e.seq)).toEqual([3000, 2999, 2998]);

    const gone = await querySessionEvents(ctx, { sessionKey: "agent:main:old" });
    expect(gone.events).toEqual([]);
    expect(gone.notes.join(" ")).toMatch(/agent:main:old: the stream's retention removed all 100 of its published events/);
  }, 60_000);

  it("updates an existing stream to new limits, says so, and reads on from the new start", async () => {
    const result = await bed.publishOnce(["--gateway", "gw-ret", "--max-msgs", "500"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/stream openclaw-events existed: max_msgs 1000 -> 500/);
    const page = await querySessionEvents(contextFor(bed.url), { sessionKey: "agent:main:main", limit: 1 });
    expect(page.events.map((e) => e.seq)).toEqual([2501]);
    expect(page.notes.join(" ")).toMatch(/before stream sequence 2601/);
  }, 60_000);

  it("removes a session deleted from the stores from the registry, and keeps the others", async () => {
    // deleted as OpenClaw deletes: the entry gone, the transcript archived
    bed.store.registry("main", { "agent:main:main": { sessionId: LONG, updatedAt: t0, sessionFile: `${LONG}.jsonl` } });
    const sessions = bed.store.sessionsDir("main");
    renameSync(join(sessions, `${OLD}.jsonl`), join(sessions, `${OLD}.jsonl.deleted.2026-12-07T00-00-00.000Z`));
    const result = await bed.publishOnce(["--gateway", "gw-ret"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/1 session\(s\) no longer in the stores: removed from the registry/);
    const nc = await connect({ servers: bed.url.replace(/^nats:\/\//, "") });
    try {
      const kv = await new Kvm(nc).open("openclaw-sessions");
      expect((await kv.get(`gw-ret.${OLD}`))?.operation).toBe("DEL");
      expect((await kv.get(`gw-ret.${LONG}`))?.operation).toBe("PUT");
    } finally {
      await nc.close();
    }
    expect((await visibleSessions(contextFor(bed.url))).map((s) => s.key)).toEqual(["agent:main:main"]);
  }, 60_000);
});

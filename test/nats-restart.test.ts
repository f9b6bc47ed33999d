/**
 * NATS restarted under a running bridge and a running reader: the bridge says so, reconnects, loses
 * nothing, and the reader answers again from the same server once it is back.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { natsBed, until } from "./helpers/nats-bed.js";
import type { NatsServer } from "./helpers/nats-server.js";
import { readWholeStream } from "./helpers/nats-stream.js";

const SESSION = "22222222-0000-4000-8000-000000000001";
let clock = Date.parse("2026-12-02T00:00:00Z");
function lines(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const ts = (clock += 5);
    return { type: "message", id: `m${from + i}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: `n ${from + i}`, timestamp: ts } };
  });
}

const bed = natsBed("nats-restart", {
  before: ({ store }) => {
    store.registry("main", { "agent:main:main": { sessionId: SESSION, updatedAt: Date.now(), sessionFile: `${SESSION}.jsonl` } });
    store.transcript("main", `${SESSION}.jsonl`, lines(0, 500));
  },
});

describe("a NATS restart", () => {
  it("is survived by the bridge and by a reader: nothing lost, nothing twice", async () => {
    const bridge = await bed.startBridge(["--gateway", "gw-r"]);
    const nats = bed.nats as NatsServer;
    const store = bed.store;
    try {
      const reader = contextFor(bed.url);
      const count = async () => (await querySessionsEvents(reader, { groupBy: ["type"] })).groups?.[0]?.count ?? 0;
      expect(await until(async () => (await count()) === 500, 20_000)).toBe(true);

      await nats.down();
      store.append("main", `${SESSION}.jsonl`, lines(500, 300)); // written while NATS is away
      await sleep(1500);
      await nats.up();
      store.append("main", `${SESSION}.jsonl`, lines(800, 200));

      expect(await until(async () => (await count()) === 1000, 30_000), bridge.said()).toBe(true);
      expect(bridge.said()).toMatch(/disconnected from NATS/);
      expect(bridge.said()).toMatch(/reconnected to NATS/);
      const ids = (await readWholeStream(bed.url)).map((m) => m.data.id);
      expect(ids.length).toBe(1000);
      expect(new Set(ids).size).toBe(1000);
    } finally {
      await bridge.stop();
    }
  }, 90_000);
});

/**
 * A 3-node JetStream cluster on loopback with an R3 stream (and R3 KV buckets): the node leading the
 * stream is killed (SIGKILL) while the bridge publishes and a reader reads; both go on through the
 * others, and the stream ends with every event once.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { natsBed, until } from "./helpers/nats-bed.js";
import type { NatsCluster } from "./helpers/nats-server.js";
import { readWholeStream } from "./helpers/nats-stream.js";

const SESSIONS = ["66666666-0000-4000-8000-000000000001", "66666666-0000-4000-8000-000000000002"];
let clock = Date.parse("2026-12-05T00:00:00Z");
const lines = (sessionId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => {
    const ts = (clock += 3);
    return { type: "message", id: `${sessionId.slice(-2)}-${from + i}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: `n ${from + i}` } };
  });

const bed = natsBed("nats-cluster", {
  cluster: true,
  before: (bed) => {
    bed.store.registry("main", Object.fromEntries(SESSIONS.map((id, i) => [`agent:main:c${i}`, { sessionId: id, updatedAt: clock, sessionFile: `${id}.jsonl` }])));
    for (const id of SESSIONS) bed.store.transcript("main", `${id}.jsonl`, lines(id, 0, 3000));
  },
});

async function streamLeader(cluster: NatsCluster): Promise<string | undefined> {
  const nc = await connect({ servers: cluster.nodes.map((n) => `127.0.0.1:${n.port}`) });
  try {
    return (await (await jetstreamManager(nc)).streams.info("openclaw-events")).cluster?.leader;
  } finally {
    await nc.close();
  }
}

describe("a 3-node cluster", () => {
  it("loses a node under a running bridge and reader: nothing lost, nothing twice", async () => {
    const cluster = bed.nats as NatsCluster;
    const bridge = await bed.startBridge(["--gateway", "gw-c", "--replicas", "3"]);
    try {
      const reader = contextFor(bed.url);
      const count = async () => (await querySessionsEvents(reader, { groupBy: ["type"] })).groups?.[0]?.count ?? 0;
      expect(await until(async () => (await count()) === 6000, 60_000), bridge.said()).toBe(true);

      const leader = await streamLeader(cluster);
      const victim = cluster.nodes.find((n, i) => `node-${i + 1}` === leader);
      expect(victim, `stream leader ${leader}`).toBeDefined();
      for (const id of SESSIONS) bed.store.append("main", `${id}.jsonl`, lines(id, 3000, 1000));
      await victim!.down("SIGKILL");
      for (const id of SESSIONS) bed.store.append("main", `${id}.jsonl`, lines(id, 4000, 1000));

      expect(await until(async () => (await count()) === 10_000, 90_000), bridge.said()).toBe(true);
      // (a new client's first asks may time out while the nodes elect new leaders)
      let ids: unknown[] = [];
      expect(await until(async () => ((ids = (await readWholeStream(bed.url)).map((m) => m.data.id)), true), 30_000)).toBe(true);
      expect(ids.length).toBe(10_000);
      expect(new Set(ids).size).toBe(10_000);
      // a new reader answers from the surviving nodes too (once they agree on new leaders: its first asks may time out)
      let last: unknown = "no answer";
      const tail = async () => {
        try {
          last = (await querySessionsEvents(contextFor(bed.url), { sessionKey: "agent:main:c1", order: "desc", limit: 3 })).events.map((e) => e.seq).join();
        } catch (error) {
          last = error;
        }
        return last;
      };
      // (under a loaded machine each try may wait out a few request timeouts while the leaders settle)
      expect(await until(async () => (await tail()) === "5000,4999,4998", 90_000), String(last)).toBe(true);
    } finally {
      await bridge.stop();
    }
  }, 360_000);
});

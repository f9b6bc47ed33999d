/**
 * Two gateways whose agents and keys are the same publish into one stream: a query naming the key gets
 * both sessions, told apart by sessionId and meta.gateway, and no event of one is answered as the other's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";
import { readWholeStream } from "./helpers/nats-stream.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const GATEWAYS = [
  { name: "gw-berlin", sessionId: "44444444-0000-4000-8000-00000000000b" },
  { name: "gw-sydney", sessionId: "44444444-0000-4000-8000-00000000000s" },
];
let nats: NatsServer;
const stores: TempStateDir[] = [];
let cacheDir: string;

beforeAll(async () => {
  ensureBuilt();
  nats = await NatsServer.start();
  cacheDir = tempCacheDir("nats-fleet");
  for (const gateway of GATEWAYS) {
    const store = new TempStateDir("nats-fleet-");
    stores.push(store);
    store.registry("main", { "agent:main:main": { sessionId: gateway.sessionId, updatedAt: Date.parse("2026-12-03T00:00:00Z"), sessionFile: `${gateway.sessionId}.jsonl` } });
    store.transcript(
      "main",
      `${gateway.sessionId}.jsonl`,
      [0, 1, 2].map((i) => ({ type: "message", id: `m${i}`, parentId: null, timestamp: `2026-12-03T00:00:0${i}.000Z`, message: { role: "user", content: `${gateway.name} says ${i}` } })),
    );
    const result = await runCli(["publish", "--store", store.root, "--nats", nats.url, "--gateway", gateway.name, "--once"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }));
    expect(result.code, result.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await closeAllNats();
  await nats?.stop();
  for (const store of stores) store.remove();
  removeCacheDir(cacheDir);
});

describe("two gateways in one stream", () => {
  it("stay apart: same key, two sessions, each event with its own gateway", async () => {
    const page = await querySessionsEvents(contextFor(nats.url), { sessionKey: "agent:main:main" });
    expect(page.sessionsMatched).toBe(2);
    expect(page.events).toHaveLength(6);
    for (const event of page.events) {
      const gateway = GATEWAYS.find((g) => g.sessionId === event.sessionId)!;
      expect(event.meta?.gateway).toBe(gateway.name);
      expect(String(event.payload.text)).toContain(gateway.name);
    }
    expect(new Set(page.events.map((e) => e.id)).size).toBe(6);
  });

  it("publish on the seed's subjects with the event id as msgID", async () => {
    const messages = await readWholeStream(nats.url);
    expect(messages).toHaveLength(6);
    expect(new Set(messages.map((m) => m.subject))).toEqual(new Set(["openclaw.events.main.conversation.message_in"]));
    for (const m of messages) {
      expect(m.msgId).toBe(m.data.id);
      expect(m.data).toMatchObject({ type: "conversation.message_in", eventType: "message", agent: "main", session: "agent:main:main", visibility: "public" });
      expect(typeof m.data.seq).toBe("number");
    }
  });
});

/**
 * Every kind of store is indexed from its normalized events and answers from the index as the scan
 * does: files, SQLite (three layouts), ClawJS and JetStream (the sample store published by the bridge).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import { parseTextQuery } from "../src/engine/search/query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { cleanEnv, ensureBuilt, runCli, SAMPLE_STORE } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { richAgentFixture, writeFilesAgent, writeSqliteAgent } from "./helpers/fixture-sessions.js";
import { NatsServer } from "./helpers/nats-server.js";
import { zstdCli } from "./helpers/sqlite-variants.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const QUERIES = ["report", "deploy report", '"on it"', "rep*", "plan", "rate limited", "the", "session*", "exec", "digest", "spend", '"offsite note"', "read_file", "error"];
const stores: Record<string, string> = {};
const temps: TempStateDir[] = [];
let workspace: string;
let nats: NatsServer;
let cacheDir: string;

beforeAll(async () => {
  const add = (name: string, write: (store: TempStateDir) => void) => {
    const store = new TempStateDir();
    write(store);
    temps.push(store);
    stores[name] = store.root;
  };
  add("files", (s) => writeFilesAgent(s, "main", richAgentFixture()));
  add("sqlite", (s) => writeSqliteAgent(s, "main", richAgentFixture()));
  add("sqlite (old layout)", (s) => writeSqliteAgent(s, "main", richAgentFixture(), { layout: "old" }));
  add("sqlite (packed)", (s) =>
    writeSqliteAgent(s, "main", richAgentFixture(), {
      layout: "newer",
      pack: (writer) => {
        writer.compressRows((_, seq) => seq > 0, zstdCli);
        writer.coldArchive("s-cron", zstdCli);
      },
    }),
  );
  workspace = mkdtempSync(join(tmpdir(), "fulltext-clawjs-"));
  const conversations = join(workspace, ".clawjs", "conversations");
  mkdirSync(conversations, { recursive: true });
  const at = (s: number) => new Date(Date.parse("2026-07-02T10:00:00Z") + s * 1000).toISOString();
  writeFileSync(
    join(conversations, "c-aaa.jsonl"),
    [
      { type: "session", id: "c-aaa", timestamp: at(0), title: "Travel spend" },
      { type: "message", id: "m1", timestamp: at(1), message: { role: "user", content: [{ type: "text", text: "pull travel spend report" }] } },
      { type: "message", id: "m2", timestamp: at(2), message: { role: "assistant", content: "The report: spend was $18,240." } },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n") + "\n",
  );
  writeFileSync(join(conversations, "c-bbb.jsonl"), `${JSON.stringify({ role: "user", content: "Draft the offsite note, please", timestamp: at(11) })}\n`);
  stores.clawjs = `clawjs:${workspace}`;
  ensureBuilt();
  nats = await NatsServer.start();
  cacheDir = tempCacheDir("fulltext-nats");
  const published = await runCli(["publish", "--store", SAMPLE_STORE, "--nats", nats.url, "--gateway", "gw-a", "--generations", "all", "--once"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }));
  expect(published.code, published.stderr).toBe(0);
  stores.jetstream = nats.url;
}, 180_000);

afterAll(async () => {
  for (const store of temps) store.remove();
  rmSync(workspace, { recursive: true, force: true });
  await closeAllNats();
  await nats?.stop();
  removeCacheDir(cacheDir);
});

describe.each(["files", "sqlite", "sqlite (old layout)", "sqlite (packed)", "clawjs", "jetstream"])("the full-text index over %s", (name) => {
  it("holds every session with a transcript, and answers as the scan at every clearance", async () => {
    const ctx = contextFor(stores[name]!, { clearance: "confidential" });
    const sessions = await ctx.listSessions();
    const pass = await ctx.textIndex!.update(sessions);
    expect(pass.events).toBeGreaterThan(0);
    const present = sessions.filter((s) => s.missingTranscript?.() === undefined);
    const probe = ctx.textIndex!.search(parseTextQuery("anything"), present, { thinking: true, window: {}, classes: true })!;
    expect(probe.unindexed.map((s) => s.key)).toEqual([]);
    let found = 0;
    for (const clearance of ["public", "internal", "confidential"] as const) {
      const indexed = contextFor(stores[name]!, { clearance });
      const scanned: AppContext = { ...indexed, textIndex: undefined };
      for (const query of QUERIES) {
        const answer = await searchSessions(indexed, { query, limit: 100 });
        expect(answer, `${name} ${clearance} ${query}`).toEqual(await searchSessions(scanned, { query, limit: 100 }));
        found += answer.sessionsWithHits;
      }
    }
    expect(found).toBeGreaterThan(0);
  }, 60_000);
});

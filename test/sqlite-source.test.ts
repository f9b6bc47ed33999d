import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { openStore } from "../src/sources/open-store.js";
import { contextFor } from "./helpers/context.js";
import { agentDatabasePathIn, FIXTURE_T0, richAgentFixture, writeFilesAgent, writeSqliteAgent } from "./helpers/fixture-sessions.js";
import { conversation, header, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

const lines = (sessionId: string, start: number, turns: number) => conversation(sessionId, start, turns).map((l) => JSON.stringify(l));

describe("the SQLite store", () => {
  it("reads the registry from session_nodes, the entry first and its promoted columns filling gaps", async () => {
    const db = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"));
    db.node({ key: "agent:main:main", entry: { sessionId: "s1", updatedAt: FIXTURE_T0, label: "from entry" } });
    db.node({ key: "agent:main:subagent:x", entry: { sessionId: "s2", updatedAt: FIXTURE_T0, status: "done", endedAt: FIXTURE_T0 + 9000 } });
    db.db.prepare("UPDATE session_nodes SET spawned_by = 'agent:main:main', label = 'from column' WHERE session_key = 'agent:main:subagent:x'").run();
    db.db.prepare("UPDATE session_nodes SET entry_json = '{broken' WHERE session_key = 'agent:main:main'").run();
    db.append("s1", lines("s1", FIXTURE_T0, 1));
    db.append("s2", lines("s2", FIXTURE_T0, 1));
    db.close();
    const { sessions, warnings } = await openStore(store.root).list();
    expect(warnings).toEqual([]);
    const byKey = Object.fromEntries(sessions.map((s) => [s.key, s]));
    expect(byKey["agent:main:main"]).toMatchObject({ sessionId: "s1", source: "openclaw-sqlite", updatedAt: FIXTURE_T0 });
    expect(byKey["agent:main:subagent:x"]).toMatchObject({ sessionId: "s2", parentKey: "agent:main:main", label: "from column", status: "done" });
    const page = await querySessionEvents(contextFor(store.root), { sessionKey: "agent:main:subagent:x" });
    expect(page.events.map((e) => e.type)).toEqual(["session_start", "message", "message", "session_end"]);
  });

  it("orders transcript rows by seq, not by insertion, and reads past one batch", async () => {
    const db = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"));
    db.node({ key: "agent:main:main", entry: { sessionId: "s1", updatedAt: FIXTURE_T0 } });
    const all = lines("s1", FIXTURE_T0, 700); // 1401 lines: three batches
    const insert = db.db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
    const order = [...all.keys()].sort((a, b) => (a % 2) - (b % 2) || b - a); // evens then odds, each descending
    for (const i of order) insert.run("s1", i, all[i], Date.parse(JSON.parse(all[i]!).timestamp)); // insert time = line time, as the gateway writes
    db.close();
    const ctx = contextFor(store.root);
    const seen: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await querySessionEvents(ctx, { sessionKey: "agent:main:main", limit: 500, cursor });
      seen.push(...page.events.map((e) => e.timestamp));
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(1401);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it("keeps earlier generations out unless asked, and tells them apart by sessionId", async () => {
    const db = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"));
    db.node({ key: "agent:main:main", entry: { sessionId: "new", updatedAt: FIXTURE_T0 + 100_000 } });
    db.window({ sessionId: "old", key: "agent:main:main", reason: "initial", createdAt: FIXTURE_T0, updatedAt: FIXTURE_T0 + 10_000, status: "done", endedAt: FIXTURE_T0 + 50_000 });
    db.window({ sessionId: "new", key: "agent:main:main", previousSessionId: "old", reason: "reset", createdAt: FIXTURE_T0 + 60_000, updatedAt: FIXTURE_T0 + 100_000 });
    db.append("old", lines("old", FIXTURE_T0, 2));
    db.append("new", lines("new", FIXTURE_T0 + 60_000, 1));
    db.close();
    const ctx = contextFor(store.root, { caller: "agent:main:main" });
    const current = await querySessionEvents(ctx, {});
    expect(new Set(current.events.map((e) => e.sessionId))).toEqual(new Set(["new"]));
    const all = await querySessionEvents(ctx, { generations: "all" });
    // (a chat key: the window's "done" is its latest run's, not an end)
    expect(all.events.map((e) => e.sessionId)).toEqual([...Array(5).fill("old"), ...Array(3).fill("new")]);
    expect(all.events.some((e) => e.type === "session_end")).toBe(false);
    const byId = await querySessionEvents(ctx, { sessionKey: "old" });
    expect(byId.events).toHaveLength(5);
    const many = await querySessionsEvents(ctx, { sessionKey: "agent:main:*" });
    expect(new Set(many.events.map((e) => e.sessionId))).toEqual(new Set(["new"]));
    const manyAll = await querySessionsEvents(ctx, { sessionKey: "agent:main:*", generations: "all" });
    expect(new Set(manyAll.events.map((e) => e.sessionId))).toEqual(new Set(["old", "new"]));
  });

  it("mixes per agent: files, SQLite, and an agent with both reads only its database", async () => {
    writeFilesAgent(store, "files", richAgentFixture());
    writeSqliteAgent(store, "db", richAgentFixture());
    writeFilesAgent(store, "migrated", { registry: { "agent:migrated:main": { sessionId: "stale", updatedAt: FIXTURE_T0 } }, transcripts: { stale: [header("stale", FIXTURE_T0), userLine(FIXTURE_T0 + 1, "STALE FILE COPY")] } });
    writeSqliteAgent(store, "migrated", { registry: { "agent:migrated:main": { sessionId: "live", updatedAt: FIXTURE_T0 } }, transcripts: { live: [header("live", FIXTURE_T0), userLine(FIXTURE_T0 + 1, "from the database")] } });
    const archive = join(store.root, "agents", "migrated", "session-sqlite-import-archive");
    mkdirSync(archive, { recursive: true });
    writeFileSync(join(archive, "sessions.json"), JSON.stringify({ "agent:migrated:archived": { sessionId: "arch", updatedAt: FIXTURE_T0 } }));
    writeFileSync(join(archive, "arch.jsonl"), `${JSON.stringify(userLine(FIXTURE_T0, "ARCHIVED"))}\n`);
    const { sessions } = await openStore(store.root).list();
    const sourcesOf = (agent: string) => new Set(sessions.filter((s) => s.agent === agent).map((s) => s.source));
    expect(sourcesOf("files")).toEqual(new Set(["openclaw-files"]));
    expect(sourcesOf("db")).toEqual(new Set(["openclaw-sqlite"]));
    expect(sessions.filter((s) => s.agent === "migrated").map((s) => [s.key, s.source])).toEqual([["agent:migrated:main", "openclaw-sqlite"]]);
    const page = JSON.stringify(await querySessionsEvents(contextFor(store.root), { sessionKey: "agent:migrated:*" }));
    expect(page).toContain("from the database");
    expect(page).not.toContain("STALE FILE COPY");
    expect(page).not.toContain("ARCHIVED");
  });

  it("reads a checkpointed database without creating any file beside it, and a live one through its WAL", async () => {
    writeSqliteAgent(store, "main", richAgentFixture());
    const dir = dirname(agentDatabasePathIn(store, "main"));
    const before = readdirSync(dir).sort();
    expect(before).toEqual(["openclaw-agent.sqlite"]);
    const ctx = contextFor(store.root);
    expect((await querySessionsEvents(ctx, {})).events.length).toBeGreaterThan(10);
    expect(readdirSync(dir).sort()).toEqual(before);

    // the gateway starts writing: rows it commits are seen at once, through its -wal
    const writer = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"));
    try {
      writer.append("s-cron", [JSON.stringify(userLine(FIXTURE_T0 + 99_000, "written while we read"))]);
      expect(readdirSync(dir).sort()).toEqual(["openclaw-agent.sqlite", "openclaw-agent.sqlite-shm", "openclaw-agent.sqlite-wal"]);
      const page = await querySessionEvents(ctx, { sessionKey: "agent:main:cron:digest", types: ["message"] });
      expect(page.events.map((e) => e.payload.text)).toContain("written while we read");
    } finally {
      writer.close();
    }
  });

  it("turns an unreadable database into a warning, not a crash", async () => {
    writeFilesAgent(store, "ok", richAgentFixture());
    const path = agentDatabasePathIn(store, "broken");
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "this is not a database");
    const { sessions, warnings } = await openStore(store.root).list();
    expect(sessions.some((s) => s.agent === "ok")).toBe(true);
    expect(warnings.join("\n")).toMatch(/agent broken: cannot read .*openclaw-agent\.sqlite/);
  });
  it("keeps no more of a registry row than the fields sessions are made from", async () => {
    // real entries carry a skills snapshot and a prompt report (13-90 KB each); here 1 MB each, to weigh
    const db = new AgentDatabaseWriter(agentDatabasePathIn(store, "main"));
    for (let i = 0; i < 40; i++) {
      db.node({ key: `agent:main:s${i}`, entry: { sessionId: `s${i}`, updatedAt: FIXTURE_T0, label: `L${i}`, skillsSnapshot: { prompt: `${i}`.padEnd(1024 * 1024, "x") } } });
    }
    db.close();
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const { sessions } = await openStore(store.root).list();
    gc();
    const held = process.memoryUsage().heapUsed - before;
    expect(sessions.map((s) => s.label).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `L${i}`).sort());
    expect(held).toBeLessThan(8 * 1024 * 1024); // the snapshots alone weigh 40 MB
  });
});

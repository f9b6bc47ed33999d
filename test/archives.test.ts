import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { coldArchiveFile } from "../src/sources/openclaw/database-archives.js";
import { openStore } from "../src/sources/open-store.js";
import { contextFor } from "./helpers/context.js";
import { agentDatabasePathIn, FIXTURE_T0 } from "./helpers/fixture-sessions.js";
import { conversation, userLine } from "./helpers/pi-lines.js";
import { zstdCli } from "./helpers/sqlite-variants.js";
import { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

const jsonl = (id: string, start: number, turns: number) => conversation(id, start, turns).map((l) => JSON.stringify(l));
const texts = (events: Array<{ type: string; payload: Record<string, unknown> }>) => events.filter((e) => e.type === "message").map((e) => e.payload.text);

describe("file archives (.jsonl.reset.<ts>, .jsonl.deleted.<ts>)", () => {
  it("are earlier generations: keyed by the entry naming their id, else a key of their own, dated by <ts>", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "cur", updatedAt: FIXTURE_T0 + 90_000 }, "agent:main:dm:x": { sessionId: "gone", updatedAt: FIXTURE_T0 } });
    store.transcript("main", "cur.jsonl", conversation("cur", FIXTURE_T0 + 60_000, 1));
    store.transcript("main", "old.jsonl.reset.2026-04-10T09-00-30.500Z", conversation("old", FIXTURE_T0, 1));
    store.transcript("main", "gone.jsonl.deleted.1775811640", conversation("gone", FIXTURE_T0 + 1000, 1));
    for (const name of ["cur.jsonl.bak-1-2", "cur.checkpoint.abc.jsonl", "cur.trajectory.jsonl", "cur.jsonl.lock", "sessions.json.bak", "x.jsonl.reset.notatime"]) {
      writeFileSync(join(store.sessionsDir("main"), name), `${JSON.stringify(userLine(FIXTURE_T0, "NEVER"))}\n`);
    }
    const { sessions } = await openStore(store.root).list();
    const byId = Object.fromEntries(sessions.map((s) => [s.sessionId, s]));
    expect(Object.keys(byId).sort()).toEqual(["cur", "gone", "old"]);
    expect(byId.old).toMatchObject({ key: "agent:main:unregistered:old", generation: "earlier", registered: false, updatedAt: Date.parse("2026-04-10T09:00:30.500Z") });
    expect(byId.gone).toMatchObject({ key: "agent:main:dm:x", generation: "earlier", updatedAt: 1775811640_000 });

    const ctx = contextFor(store.root);
    const current = await querySessionsEvents(ctx, {});
    expect(new Set(current.events.map((e) => e.sessionId))).toEqual(new Set(["cur"]));
    const all = await querySessionsEvents(ctx, { generations: "all" });
    expect(new Set(all.events.map((e) => e.sessionId))).toEqual(new Set(["cur", "old", "gone"]));
    expect(JSON.stringify(all)).not.toContain("NEVER");
    expect((await querySessionEvents(ctx, { sessionKey: "old" })).events.length).toBe(3);
  });
});

describe("database archives and compressed rows (own fixtures)", () => {
  it("reads a zstd-encoded reset archive, a cold window stored as a file, and a bad compressed row as a skipped line", async () => {
    const path = agentDatabasePathIn(store, "main");
    const db = new AgentDatabaseWriter(path, { layout: "newer" });
    db.node({ key: "agent:main:main", entry: { sessionId: "cur", updatedAt: FIXTURE_T0 + 90_000 } });
    db.window({ sessionId: "cur", key: "agent:main:main", createdAt: FIXTURE_T0 + 60_000, updatedAt: FIXTURE_T0 + 90_000 });
    db.window({ sessionId: "idle", key: "agent:main:cron:idle", createdAt: FIXTURE_T0, updatedAt: FIXTURE_T0 });
    db.node({ key: "agent:main:cron:idle", entry: { sessionId: "idle", updatedAt: FIXTURE_T0 + 5000 } });
    db.append("cur", [...jsonl("cur", FIXTURE_T0 + 60_000, 2)], () => FIXTURE_T0 + 60_000);
    db.append("idle", jsonl("idle", FIXTURE_T0, 1), () => FIXTURE_T0);
    db.compressRows((id, seq) => id === "cur" && seq === 1, zstdCli);
    db.compressRows((id, seq) => id === "cur" && seq === 2, () => Buffer.from("not zstd at all"));
    db.coldArchive("idle", zstdCli, { storage: "file", file: (name) => coldArchiveFile(path, name)! });
    db.archive({ sessionId: "was", key: "agent:main:main", reason: "reset", jsonl: Buffer.from(jsonl("was", FIXTURE_T0 - 60_000, 1).join("\n")), createdAt: FIXTURE_T0, compress: zstdCli });
    db.close();

    const { sessions, warnings } = await openStore(store.root).list();
    expect(warnings).toEqual([]);
    expect(sessions.map((s) => [s.key, s.sessionId, s.generation]).sort()).toEqual([
      ["agent:main:cron:idle", "idle", "current"],
      ["agent:main:main", "cur", "current"],
      ["agent:main:main", "was", "earlier"],
    ]);
    const ctx = contextFor(store.root);
    const cur = await querySessionEvents(ctx, { sessionKey: "agent:main:main" });
    expect(texts(cur.events)).toEqual(["question 0", "question 1", "answer 1"]);
    expect(cur.skippedLines).toBe(1);
    expect(texts((await querySessionEvents(ctx, { sessionKey: "agent:main:cron:idle" })).events)).toEqual(["question 0", "answer 0"]);
    const all = await querySessionEvents(ctx, { sessionKey: "agent:main:main", generations: "all" });
    expect(new Set(all.events.map((e) => e.sessionId))).toEqual(new Set(["was", "cur"]));
  });

  it("warns of a cold archive file that is missing, and reads on", async () => {
    const path = agentDatabasePathIn(store, "main");
    const db = new AgentDatabaseWriter(path, { layout: "newer" });
    db.node({ key: "agent:main:main", entry: { sessionId: "idle", updatedAt: FIXTURE_T0 } });
    db.window({ sessionId: "idle", key: "agent:main:main", createdAt: FIXTURE_T0, updatedAt: FIXTURE_T0 });
    db.append("idle", jsonl("idle", FIXTURE_T0, 1), () => FIXTURE_T0);
    db.coldArchive("idle", zstdCli, { storage: "file", file: () => join(store.root, "elsewhere", "x.zst") });
    db.close();
    const { sessions, warnings } = await openStore(store.root).list();
    expect(sessions).toHaveLength(1);
    expect(warnings.join("\n")).toMatch(/cold archive file [0-9a-f]{64}\.jsonl\.zst of idle is missing/);
    const page = await querySessionEvents(contextFor(store.root), { sessionKey: "agent:main:main" });
    expect(page.events.filter((e) => e.type === "message")).toEqual([]);
  });
});

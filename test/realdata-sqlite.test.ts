/**
 * Every real-store excerpt (../shared/realdata, read where it is) answers the same from SQLite as from
 * its files: each case's registries and transcripts are written into an agent database of the newer
 * layout (large rows zstd-compressed, as OpenClaw stores them) in a temp state dir, and every event of
 * every current transcript — type, own time, payload, order — must equal the files' answer. So the
 * amended contract's line rules hold for both stores.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { agentDatabasePathIn } from "./helpers/fixture-sessions.js";
import { HAVE_REALDATA, REALDATA_STORES } from "./helpers/realdata.js";
import { zstdCli } from "./helpers/sqlite-variants.js";
import { TempStateDir } from "./helpers/temp-store.js";

const CASES = ["pi-v1", "clock-step", "tool-status", "prompt-error", "delivery-mirror", "leaf-reset-metadata", "spawn", "run-end", "cron-shared"];

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

const lineTime = (line: string) => {
  try {
    const t = (JSON.parse(line) as { timestamp?: unknown }).timestamp;
    return typeof t === "string" ? Date.parse(t) || 0 : typeof t === "number" ? t : 0;
  } catch {
    return 0;
  }
};

/** The case's agents as databases: a node and window per registry entry, its transcript's lines as rows. */
function asDatabases(caseDir: string): number {
  let compressed = 0;
  for (const agent of readdirSync(join(caseDir, "agents"))) {
    const sessions = join(caseDir, "agents", agent, "sessions");
    const registry = JSON.parse(readFileSync(join(sessions, "sessions.json"), "utf8")) as Record<string, Record<string, unknown>>;
    const writer = new AgentDatabaseWriter(agentDatabasePathIn(store, agent), { layout: "newer" });
    const insert = writer.db.prepare("INSERT OR IGNORE INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
    for (const [key, entry] of Object.entries(registry)) {
      writer.node({ key, entry });
      const at = typeof entry.updatedAt === "number" ? entry.updatedAt : 0;
      writer.window({ sessionId: String(entry.sessionId), key, createdAt: at, updatedAt: at });
      const file = join(sessions, typeof entry.sessionFile === "string" ? entry.sessionFile.split(/[\\/]/).pop()! : `${String(entry.sessionId)}.jsonl`);
      if (!existsSync(file)) continue;
      const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
      lines.forEach((line, seq) => insert.run(String(entry.sessionId), seq, line, lineTime(line)));
    }
    // large rows as OpenClaw keeps them: zstd in event_zstd, event_json NULL
    compressed += writer.compressRows((_, seq, line) => seq > 0 && Buffer.byteLength(line) >= 1024, zstdCli);
    writer.close();
  }
  return compressed;
}

type Seen = [string, string, number, number, unknown];

async function everything(root: string): Promise<Seen[]> {
  const ctx = contextFor(root, { clearance: "confidential" });
  const seen: Seen[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await querySessionsEvents(ctx, { limit: 500, cursor });
    seen.push(...page.events.map((e): Seen => [e.session, e.type, e.seq, e.timestamp, e.payload]));
    if (!page.hasMore) return seen;
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

describe.skipIf(!HAVE_REALDATA)("real excerpts as SQLite answer as their files", () => {
  it.each(CASES)("%s", async (name) => {
    const caseDir = join(REALDATA_STORES, name);
    const compressed = asDatabases(caseDir);
    const fromFiles = await everything(caseDir);
    const fromSqlite = await everything(store.root);
    expect(fromFiles.length).toBeGreaterThan(0);
    expect(fromSqlite).toEqual(fromFiles);
    if (["pi-v1", "clock-step", "spawn"].includes(name)) expect(compressed).toBeGreaterThan(0);
  });
});

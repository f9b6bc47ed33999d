import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import type { SessionEventsInput, SessionsEventsInput } from "../src/contract/query-input.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { FIXTURE_T0, richAgentFixture, writeFilesAgent, writeSqliteAgent } from "./helpers/fixture-sessions.js";
import { zstdCli } from "./helpers/sqlite-variants.js";
import { TempStateDir } from "./helpers/temp-store.js";

/**
 * The same logical sessions written as files and as SQLite must give the same pages, all but
 * meta.source; and so must SQLite in OpenClaw's older layout, and in the newer one with every line but
 * the headers zstd-compressed and the cron window moved to the cold archive.
 */

let files: TempStateDir;
let sqlite: TempStateDir;
let packed: TempStateDir;
let old: TempStateDir;

beforeAll(() => {
  files = new TempStateDir();
  sqlite = new TempStateDir();
  packed = new TempStateDir();
  old = new TempStateDir();
  writeFilesAgent(files, "main", richAgentFixture());
  writeSqliteAgent(sqlite, "main", richAgentFixture());
  writeSqliteAgent(old, "main", richAgentFixture(), { layout: "old" });
  writeSqliteAgent(packed, "main", richAgentFixture(), {
    layout: "newer",
    pack: (writer) => {
      writer.compressRows((_, seq) => seq > 0, zstdCli);
      writer.coldArchive("s-cron", zstdCli);
    },
  });
});
afterAll(() => {
  for (const store of [files, sqlite, packed, old]) store.remove();
});

function withoutSource(page: Page): unknown {
  return { ...page, events: page.events.map(({ meta, ...event }) => ({ ...event, meta: { ...meta, source: undefined } })) };
}

type Principal = { caller?: string; scope?: string; clearance?: string };

/** Walks every page of a query on one store. */
async function walk(root: string, principal: Principal, run: "one" | "many", input: SessionEventsInput | SessionsEventsInput) {
  const ctx = contextFor(root, { ...principal, now: FIXTURE_T0 + 60_000 });
  const pages: unknown[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = run === "one" ? await querySessionEvents(ctx, { ...(input as SessionEventsInput), cursor }) : await querySessionsEvents(ctx, { ...input, cursor });
    pages.push(withoutSource(page));
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  return pages;
}

const principals: Principal[] = [{}, { caller: "agent:main:main" }, { caller: "agent:main:subagent:report", scope: "self", clearance: "public" }, { clearance: "confidential" }];
const single: SessionEventsInput[] = [
  { sessionKey: "agent:main:main" },
  { sessionKey: "s-child" },
  { sessionKey: "agent:main:main", order: "desc", limit: 3 },
  { sessionKey: "agent:main:main", types: ["tool_call", "tool_error", "conversation.message_out"], limit: 2 },
  { sessionKey: "agent:main:main", since: FIXTURE_T0 + 4000, until: FIXTURE_T0 + 9000 },
  { sessionKey: "agent:main:subagent:report", types: ["complete"] },
  { sessionKey: "current" },
];
const many: SessionsEventsInput[] = [
  {},
  { limit: 4 },
  { order: "desc", limit: 5 },
  { sessionKey: "agent:main:*", types: ["spawn", "session_end", "error"] },
  { sessionKey: ["agent:main:cron:*", "agent:main:subagent:*"], since: "55s" },
  { spawnedBy: "agent:main:main", descendants: true },
  { agentId: "main", types: ["lifecycle.error"], generations: "all" },
];

describe("files and SQLite give the same events", () => {
  for (const principal of principals) {
    const who = principal.caller ? `${principal.caller} (${principal.scope ?? "tree"}, ${principal.clearance ?? "internal"})` : `operator (${principal.clearance ?? "internal"})`;
    it(`session_events as ${who}`, async () => {
      for (const input of single) {
        const [a, ...others] = await Promise.all(
          [files, sqlite, packed, old].map((store) => walk(store.root, principal, "one", input).catch((e: Error) => e.message)),
        );
        for (const b of others) expect(b, JSON.stringify(input)).toEqual(a);
      }
    });
    it(`sessions_events as ${who}`, async () => {
      for (const input of many) {
        const [a, ...others] = await Promise.all(
          [files, sqlite, packed, old].map((store) => walk(store.root, principal, "many", input).catch((e: Error) => e.message)),
        );
        for (const b of others) expect(b, JSON.stringify(input)).toEqual(a);
      }
    });
  }

  it("really compares something: the walks are not empty and the sources differ", async () => {
    const ctxFiles = contextFor(files.root);
    const ctxSqlite = contextFor(sqlite.root);
    const a = await querySessionsEvents(ctxFiles, { limit: 500 });
    const b = await querySessionsEvents(ctxSqlite, { limit: 500 });
    expect(a.events.length).toBeGreaterThan(20);
    expect(new Set(a.events.map((e) => e.meta?.source))).toEqual(new Set(["openclaw-files"]));
    expect(new Set(b.events.map((e) => e.meta?.source))).toEqual(new Set(["openclaw-sqlite"]));
    expect(new Set(a.events.map((e) => e.type))).toEqual(
      new Set(["session_start", "message", "tool_call", "tool_error", "tool_result", "spawn", "model_switch", "error", "compaction", "session_end"]),
    );
  });
});

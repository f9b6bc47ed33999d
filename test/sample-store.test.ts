/**
 * The bundled sample stores, read in place (never copied) by every surface: the queries a user runs in
 * the quick start work, every store kind is in them, and test/global/store-integrity.ts proves
 * afterwards that none of it wrote a byte or created a file there.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { cleanEnv, connectServer, ensureBuilt, PROJECT_ROOT, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const STATE = join(PROJECT_ROOT, "examples", "openclaw-state");
const WORKSPACE = join(PROJECT_ROOT, "examples", "clawjs-workspace");
let cacheDir: string;

beforeAll(() => {
  ensureBuilt();
  cacheDir = tempCacheDir("sample-cache");
}, 180_000);
afterAll(() => removeCacheDir(cacheDir));

describe("the sample stores", () => {
  it("hold every store kind, an earlier generation, a spawn tree, and the odd lines a real store has", async () => {
    const ctx = contextFor([STATE, `clawjs:${WORKSPACE}`], { clearance: "confidential" });
    const page = await querySessionsEvents(ctx, { limit: 500, generations: "all" });
    expect(page.hasMore).toBe(false);
    expect(new Set(page.events.map((e) => e.meta?.source))).toEqual(new Set(["openclaw-files", "openclaw-sqlite", "clawjs"]));
    expect(new Set(page.events.map((e) => e.type))).toEqual(
      new Set(["session_start", "message", "tool_call", "tool_result", "tool_error", "spawn", "model_switch", "compaction", "state_change", "custom", "error", "session_end"]),
    );
    expect(page.sessionsMatched).toBe(13); // the reset archive of agent:main is an earlier generation too
    expect(page.skippedLines).toBe(2); // the telegram transcript's corrupted line and unfinished last line
    const opsMain = page.events.filter((e) => e.session === "agent:ops:main");
    expect(new Set(opsMain.map((e) => e.sessionId)).size).toBe(2);
  });

  it("answer the README's quick-start query through the built CLI", async () => {
    const result = await runCli(
      ["query", "--store", "examples/openclaw-state", "--caller", "agent:main:main", "--spawned-by", "current", "--descendants"],
      cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/spawn\s+agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d: Cross-check churn figure/);
    expect(result.stdout).toMatch(/session_end\s+done after 147000ms/);
    expect(result.stdout).toContain("event(s) from 2 session(s)");
  });

  it("serve both tools over MCP stdio straight from the checked-in files", async () => {
    const server = await connectServer(
      ["--store", STATE, "--store", `clawjs:${WORKSPACE}`, "--caller", "agent:ops:main"],
      cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }),
    );
    try {
      const own = await server.client.callTool({ name: "session_events", arguments: { generations: "all" } });
      const ownPage = own.structuredContent as { events: Array<{ sessionId: string }> };
      expect(new Set(ownPage.events.map((e) => e.sessionId)).size).toBe(2);
      const children = await server.client.callTool({ name: "sessions_events", arguments: { spawnedBy: "current", types: ["complete"] } });
      expect((children.structuredContent as { events: Array<{ session: string }> }).events.map((e) => e.session)).toEqual(["agent:ops:subagent:backup-now"]);
      const other = await server.client.callTool({ name: "session_events", arguments: { sessionKey: "agent:main:main" } });
      expect(other.isError).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("redact the sample's secrets at the default clearance", async () => {
    const ctx = contextFor([STATE, `clawjs:${WORKSPACE}`]);
    const json = JSON.stringify(await querySessionsEvents(ctx, { limit: 500, generations: "all" }));
    for (const secret of ["sk-proj-Xq7bR2mN9vT4wL8sK3jH6gF1dS5aP0oI", "hunter2-staging", "hvs.CAESIJ9x2kq8Zr7mN1pL4vB6tY0wQ3eR5uI", "Xy9!backup-pass", "abcd1234efgh5678"]) {
      expect(json).not.toContain(secret);
    }
    const one = await querySessionEvents(ctx, { sessionKey: "agent:ops:subagent:backup-now", types: ["tool_call"] });
    expect(one.events[0]?.payload.args).toEqual({ command: "pg_dump --dbname=postgresql://backup:[REDACTED:url_password]@db-1/app > /backups/app.sql" });
  });
});

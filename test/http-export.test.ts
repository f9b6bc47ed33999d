/**
 * GET /api/export over real loopback HTTP (the built `serve`), on the leakage corpus: for an operator
 * token the body is byte for byte what `session-events export` writes for the same clearance and
 * filters (so the CLI's leakage checks hold here too), no secret, image data or event above the
 * clearance is in it, the summary comes as a trailer, and any other token is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { bearer, get, serve, type Served } from "./helpers/http-server.js";
import { CONFIDENTIAL_MARKS, IMAGE, INTERNAL_MARKS, leakageStore, SECRETS } from "./helpers/leakage-store.js";
import { undocumentedStatuses } from "./helpers/openapi-statuses.js";
import { leaks } from "./helpers/secret-corpus.js";
import type { TempStateDir } from "./helpers/temp-store.js";

const TOKENS = [
  { name: "ops-public", flags: ["--clearance", "public"] },
  { name: "ops-internal", flags: ["--clearance", "internal"] },
  { name: "ops-confidential", flags: ["--clearance", "confidential"] },
  { name: "agent-self", flags: ["--caller", "agent:main:leak-0", "--scope", "self", "--clearance", "confidential"] },
];

let store: TempStateDir;
let config: string;
let dir: string;
let env: Record<string, string>;
let server: Served;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  ensureBuilt();
  ({ store, config } = leakageStore());
  dir = mkdtempSync(join(tmpdir(), "http-export-"));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(dir, "cache") });
  const tokensFile = join(dir, "tokens.json");
  for (const t of TOKENS) {
    const made = await runCli(["token", "add", t.name, "--tokens", tokensFile, ...t.flags], env);
    expect(made.code, made.stderr).toBe(0);
    tokens[t.name] = made.stdout.trim();
  }
  server = await serve(["--store", store.root, "--config", config, "--tokens", tokensFile], env);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  store?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function viaCli(clearance: string, args: string[]): Promise<string> {
  const out = join(dir, `cli-${Math.random().toString(36).slice(2)}.out`);
  const result = await runCli(["export", "--store", store.root, "--config", config, "--clearance", clearance, "--out", out, ...args], env, 60_000);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out, "utf8");
}

const CASES = [
  { format: "openai", clearance: "public" },
  { format: "openai", clearance: "internal" },
  { format: "openai", clearance: "confidential" },
  { format: "sharegpt", clearance: "internal" },
  { format: "alpaca", clearance: "internal" },
];

describe("GET /api/export", () => {
  it.each(CASES)("$format at $clearance: what the CLI writes, byte for byte, streamed, with the summary as a trailer", async ({ format, clearance }) => {
    const answer = await get(`${server.url}/api/export?format=${format}&minScore=0`, { headers: bearer(tokens[`ops-${clearance}`]!) });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers["transfer-encoding"]).toBe("chunked");
    expect(answer.headers["content-type"]).toMatch(format === "openai" ? /^application\/jsonl/ : /^application\/json/);
    expect(answer.body).toBe(await viaCli(clearance, ["--format", format, "--min-score", "0"]));
    const summary = JSON.parse(answer.trailers["x-export-summary"]!) as { conversations: number; events: number };
    expect(summary.conversations).toBeGreaterThan(0);
    expect(answer.body).not.toContain(IMAGE.slice(0, 24));
    if (clearance === "confidential") {
      // the checks below can fail: at confidential the secrets do show
      expect(leaks(answer.body, SECRETS).length).toBeGreaterThan(0);
      return;
    }
    expect(leaks(answer.body, SECRETS)).toEqual([]);
    for (const mark of CONFIDENTIAL_MARKS) expect(answer.body).not.toContain(mark);
    if (clearance === "public") for (const mark of INTERNAL_MARKS) expect(answer.body).not.toContain(mark);
    expect(answer.body).toContain("[REDACTED:");
  }, 60_000);

  it("filters as the CLI's: one session, patterns, types and a time window", async () => {
    const headers = bearer(tokens["ops-internal"]!);
    const one = await get(`${server.url}/api/export?format=openai&minScore=0&session=${encodeURIComponent("agent:main:markers")}`, { headers });
    expect(one.status, one.body).toBe(200);
    expect(one.body).toBe(await viaCli("internal", ["--format", "openai", "--min-score", "0", "--session", "agent:main:markers"]));
    expect(one.body.trim().split("\n")).toHaveLength(1);
    const some = await get(`${server.url}/api/export?format=sharegpt&minScore=0&sessionKey=agent:main:leak-1*,agent:main:markers&since=2026-09-01T08:00:01Z&maxTurns=1`, { headers });
    expect(some.status, some.body).toBe(200);
    expect(some.body).toBe(await viaCli("internal", ["--format", "sharegpt", "--min-score", "0", "agent:main:leak-1*", "agent:main:markers", "--since", "2026-09-01T08:00:01Z", "--max-turns", "1"]));
  }, 60_000);

  it("is refused to a token with a caller (403), to no token (401), and says what was wrong (400, 404)", async () => {
    const self = await get(`${server.url}/api/export?format=openai`, { headers: bearer(tokens["agent-self"]!) });
    expect(self.status).toBe(403);
    expect(self.json().error.message).toMatch(/operator token/);
    expect((await get(`${server.url}/api/export?format=openai`)).status).toBe(401);
    const headers = bearer(tokens["ops-internal"]!);
    const badFormat = await get(`${server.url}/api/export?format=csv`, { headers });
    expect(badFormat.status).toBe(400);
    expect(badFormat.json().error.message).toMatch(/openai.*sharegpt.*alpaca/);
    expect((await get(`${server.url}/api/export?format=openai&session=agent:main:leak-0&agent=main`, { headers })).status).toBe(400);
    expect((await get(`${server.url}/api/export?format=openai&minScore=2`, { headers })).status).toBe(400);
    const missing = await get(`${server.url}/api/export?format=openai&session=agent:main:nobody`, { headers });
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe("not_found");
  });

  it("every status these tests saw on an /api/ route is in its OpenAPI entry", async () => {
    const { seen, undocumented } = await undocumentedStatuses(server.url, bearer(tokens["ops-internal"]!));
    expect(seen).toContain("GET /api/export 403");
    expect(undocumented).toEqual([]);
  });
});

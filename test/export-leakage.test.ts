/**
 * The leakage corpus through export (built CLI, every format): below confidential no secret, nor a
 * 12-character piece of one, is written, nor anything above the clearance; at confidential the secrets
 * and markers do show, which proves the checks can fail.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Visibility } from "../src/contract/event.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { CONFIDENTIAL_MARKS, IMAGE, INTERNAL_MARKS, leakageStore, SECRETS } from "./helpers/leakage-store.js";
import { leaks, SECRET_CORPUS } from "./helpers/secret-corpus.js";
import type { TempStateDir } from "./helpers/temp-store.js";

let store: TempStateDir;
let dir: string;
let config: string;
let env: Record<string, string>;

beforeAll(() => {
  ensureBuilt();
  ({ store, config } = leakageStore());
  dir = mkdtempSync(join(tmpdir(), "export-leak-out-"));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(dir, "cache") });
}, 180_000);
afterAll(() => {
  store?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function exported(format: string, clearance: Visibility): Promise<string> {
  const out = join(dir, `${format}-${clearance}.out`);
  const stats = join(dir, `${format}-${clearance}.stats`);
  const result = await runCli(["export", "--store", store.root, "--config", config, "--clearance", clearance, "--format", format, "--min-score", "0", "--out", out, "--stats", stats], env, 60_000);
  expect(result.code, result.stderr).toBe(0);
  return `${readFileSync(out, "utf8")}\n${readFileSync(stats, "utf8")}\n${result.stderr}`;
}

describe.each(["openai", "sharegpt", "alpaca"])("%s", (format) => {
  it("at confidential the secrets and every marker show (the checks below can fail)", async () => {
    const seen = await exported(format, "confidential");
    expect(leaks(seen, SECRET_CORPUS.map((s) => s.secret)).length).toBeGreaterThan(0);
    for (const secret of SECRET_CORPUS.map((s) => s.secret)) expect(leaks(seen, [secret]), secret.slice(0, 16)).not.toEqual([]);
    expect(seen).toContain(CONFIDENTIAL_MARKS[2]);
    if (format !== "alpaca") for (const mark of [...INTERNAL_MARKS, ...CONFIDENTIAL_MARKS]) expect(seen).toContain(mark);
    expect(seen).not.toContain(IMAGE.slice(0, 24));
  }, 60_000);

  for (const clearance of ["internal", "public"] as const) {
    it(`at ${clearance}: no secret, no image data, nothing above the clearance`, async () => {
      const seen = await exported(format, clearance);
      expect(leaks(seen, SECRETS)).toEqual([]);
      expect(seen).not.toContain(IMAGE.slice(0, 24));
      expect(seen).not.toContain("thinking about");
      for (const mark of CONFIDENTIAL_MARKS) expect(seen).not.toContain(mark);
      if (clearance === "public") for (const mark of INTERNAL_MARKS) expect(seen).not.toContain(mark);
      else if (format !== "alpaca") for (const mark of INTERNAL_MARKS) expect(seen).toContain(mark);
      expect(seen).toContain("[REDACTED:");
      expect(seen).toMatch(/Done with deploy \d+/);
    }, 60_000);
  }
});

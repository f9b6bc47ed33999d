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
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { FIELD_SECRETS, leaks, SECRET_CORPUS } from "./helpers/secret-corpus.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-09-01T08:00:00Z");
const SECRETS = [...SECRET_CORPUS.map((s) => s.secret), ...Object.values(FIELD_SECRETS)];
const INTERNAL_MARKS = ["ARGS-MARK-52b", "RESULT-MARK-53c"];
const CONFIDENTIAL_MARKS = ["VAULT-ARGS-61a", "VAULT-RESULT-62b", "FINANCE-MSG-63c"];
const IMAGE = `iVBORw0KGgoAAAANSUhEUg${"Q".repeat(200)}`;

let store: TempStateDir;
let dir: string;
let config: string;
let env: Record<string, string>;

beforeAll(() => {
  ensureBuilt();
  store = new TempStateDir("export-leak-");
  dir = mkdtempSync(join(tmpdir(), "export-leak-out-"));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(dir, "cache") });
  const registry: Record<string, Record<string, unknown>> = {};
  SECRET_CORPUS.forEach((sample, i) => {
    registry[`agent:main:leak-${i}`] = { sessionId: `leak-${i}`, updatedAt: T0 };
    const args = { cmd: sample.text, nested: { deeper: [{ value: `x ${sample.text}` }] }, ...FIELD_SECRETS };
    store.transcript("main", `leak-${i}.jsonl`, [
      header(`leak-${i}`, T0),
      userLine(T0 + 1000 + i, [{ type: "text", text: `please use ${sample.text} for deploy ${i}` }, { type: "image", data: IMAGE, mimeType: "image/png" }]),
      assistantLine(T0 + 2000 + i, [{ type: "thinking", thinking: `thinking about ${sample.text}` }, text(`running it with ${sample.text}`), toolCall("c1", "exec", args)]),
      toolResultLine(T0 + 3000 + i, "c1", "exec", `output: ${sample.text}`),
      assistantLine(T0 + 4000 + i, [text(`Done with deploy ${i}: the key ${sample.text} works.\n\n- step one\n- step two`)]),
    ]);
  });
  registry["agent:main:markers"] = { sessionId: "markers", updatedAt: T0 };
  store.transcript("main", "markers.jsonl", [
    header("markers", T0),
    userLine(T0 + 1000, "Read the two files, please."),
    assistantLine(T0 + 2000, [text("Reading."), toolCall("m1", "read", { path: INTERNAL_MARKS[0] }), toolCall("v1", "vault_read", { path: CONFIDENTIAL_MARKS[0] })]),
    toolResultLine(T0 + 3000, "m1", "read", INTERNAL_MARKS[1]!),
    toolResultLine(T0 + 4000, "v1", "vault_read", CONFIDENTIAL_MARKS[1]!),
    assistantLine(T0 + 5000, [text("Both files are read and their contents look as expected.")]),
  ]);
  registry["agent:main:finance"] = { sessionId: "finance", updatedAt: T0 };
  store.transcript("main", "finance.jsonl", [
    header("finance", T0),
    userLine(T0 + 1000, `What is ${CONFIDENTIAL_MARKS[2]}?`),
    assistantLine(T0 + 2000, [text("It is the quarterly ledger figure for the finance team.")]),
  ]);
  store.registry("main", registry);
  config = store.file("policy.json", JSON.stringify({ confidential: [{ tool: "vault_*" }, { session: "agent:main:finance" }] }));
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

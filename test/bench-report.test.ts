/** `npm run bench` with a knob set is a trial: its report goes under the data dir and BENCHMARKS.md stays as it is. */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, PROJECT_ROOT, run } from "./helpers/built-server.js";

const dataDir = mkdtempSync(join(tmpdir(), "bench-report-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("a small run writes <data dir>/BENCHMARKS.trial.md, says so in its header, and leaves BENCHMARKS.md alone", async () => {
  ensureBuilt();
  const published = join(PROJECT_ROOT, "BENCHMARKS.md");
  const before = { text: readFileSync(published, "utf8"), mtime: statSync(published).mtimeMs };
  const env = cleanEnv({ BENCH_SECTIONS: "line-readers", BENCH_LINE_READER_MB: "1", BENCH_RUNS: "1", BENCH_DATA_DIR: dataDir });
  const result = await run(process.execPath, [join(PROJECT_ROOT, "dist", "bench", "run.js")], env, 120_000);
  expect(result.code, result.stderr).toBe(0);
  const trial = join(dataDir, "BENCHMARKS.trial.md");
  expect(existsSync(trial)).toBe(true);
  const text = readFileSync(trial, "utf8");
  expect(text).toMatch(/^# Benchmarks\n/);
  expect(text).toContain("**Trial run, not the published numbers** (BENCH_LINE_READER_MB=1 BENCH_RUNS=1 BENCH_SECTIONS=line-readers)");
  expect(text).toContain("## Line readers");
  expect(readFileSync(published, "utf8")).toBe(before.text);
  expect(statSync(published).mtimeMs).toBe(before.mtime);
}, 180_000);

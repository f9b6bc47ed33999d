/**
 * `npm run bench`: runs the benchmarks and writes BENCHMARKS.md (and prints it).
 *
 * Environment knobs:
 *   BENCH_SECTIONS        which sections, comma-separated: line-readers,store,scale (default all three)
 *   BENCH_RUNS            repetitions per measurement, median reported (default 5)
 *   BENCH_LINE_READER_MB  size of the line-reader sample file, MiB (default 200)
 * Store section (bench/store-bench.ts; the store is generated once and reused while these match):
 *   BENCH_STORE_GB        total transcript bytes, GiB (default 1)
 *   BENCH_SESSIONS        number of sessions (default 5000)
 *   BENCH_BIG_MB          the big session's transcript, MiB (default 300)
 *   BENCH_MEDIUM_MB       the medium session's transcript, MiB (default 10)
 *   BENCH_SEED            generator seed (default 1)
 *   BENCH_HUGE_LINE_MB    the single huge line's text, MiB (default 50)
 *   BENCH_DATA_DIR        where stores and cache dirs go (default <project>/.bench-data, gitignored)
 *   BENCH_BUDGET_S        time budget per table cell before repetitions stop (default 300)
 *   BENCH_WALK_TIMEOUT_S  a page walk (Q2, Q3, Q4) stops after this long and reports progress (default 300)
 * Scale section (bench/scale-bench.ts: inputs far larger than the answer; its own generated stores):
 *   BENCH_SCALE_REGISTRY_MB   the fat registry's size, MB (default 200)
 *   BENCH_SCALE_ENTRIES       the many-entry registry's entries (default 100000)
 *   BENCH_SCALE_ARRAY_ITEMS   items of the first huge line (default 1000000)
 *   BENCH_SCALE_HUGE_ITEMS    items (characters) of each of the three later huge lines (default 30000000)
 * Small and quick: BENCH_STORE_GB=0.05 BENCH_SESSIONS=300 BENCH_BIG_MB=30 BENCH_MEDIUM_MB=5 npm run bench
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchLineReaders } from "./line-readers.js";
import { benchScale } from "./scale-bench.js";
import { benchStore } from "./store-bench.js";

const MB = 1024 * 1024;
const env = process.env;
const number = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(env[name])}`);
  return value;
};
const sections = new Set((env.BENCH_SECTIONS ?? "line-readers,store,scale").split(",").map((s) => s.trim()));
const runs = number("BENCH_RUNS", 5);
const lineReaderBytes = number("BENCH_LINE_READER_MB", 200) * MB;
const project = fileURLToPath(new URL("../../", import.meta.url));
const log = (line: string) => console.error(line);

const out: string[] = [];
if (sections.has("line-readers")) {
  const dir = mkdtempSync(join(tmpdir(), "session-events-bench-"));
  try {
    log("line readers ...");
    out.push(`## Line readers\n\n${await benchLineReaders(dir, lineReaderBytes, runs)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (sections.has("store")) {
  out.push(
    await benchStore({
      dataDir: env.BENCH_DATA_DIR ?? join(project, ".bench-data"),
      storeGb: number("BENCH_STORE_GB", 1),
      sessions: Math.round(number("BENCH_SESSIONS", 5000)),
      bigMb: number("BENCH_BIG_MB", 300),
      mediumMb: number("BENCH_MEDIUM_MB", 10),
      seed: Math.round(number("BENCH_SEED", 1)),
      hugeLineMb: number("BENCH_HUGE_LINE_MB", 50),
      runs,
      budgetMs: number("BENCH_BUDGET_S", 300) * 1000,
      deadlineMs: number("BENCH_WALK_TIMEOUT_S", 300) * 1000,
      log,
    }),
  );
}
if (sections.has("scale")) {
  out.push(
    await benchScale({
      dataDir: env.BENCH_DATA_DIR ?? join(project, ".bench-data"),
      registryMb: number("BENCH_SCALE_REGISTRY_MB", 200),
      entries: Math.round(number("BENCH_SCALE_ENTRIES", 100_000)),
      arrayItems: Math.round(number("BENCH_SCALE_ARRAY_ITEMS", 1_000_000)),
      hugeItems: Math.round(number("BENCH_SCALE_HUGE_ITEMS", 30_000_000)),
      runs,
      budgetMs: number("BENCH_BUDGET_S", 300) * 1000,
      deadlineMs: number("BENCH_WALK_TIMEOUT_S", 300) * 1000,
      log,
    }),
  );
}

const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
const report = [
  "# Benchmarks",
  "",
  `Run with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.`,
  "",
  ...out.flatMap((s) => [s, ""]),
].join("\n");
writeFileSync(join(project, "BENCHMARKS.md"), report);
console.log(report);

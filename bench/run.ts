/**
 * `npm run bench`: runs the benchmarks and prints the report. Only the full default run (no BENCH_* knob set
 * but BENCH_DATA_DIR, which moves the data and changes nothing measured) writes the tracked BENCHMARKS.md;
 * any other run writes <data dir>/BENCHMARKS.trial.md, its header naming the knobs, so a trial never
 * replaces the published numbers.
 *
 * Environment knobs:
 *   BENCH_SECTIONS        which sections, comma-separated: line-readers,store,scale,http,export,nats,redaction (default all);
 *                         search = only the store section's search rows (issue 28), on its store
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
 *   BENCH_STORE_SEARCH    0 leaves the search rows out of the store section (default: they end it)
 *   BENCH_STORE_ROWS      only these rows of the store section, comma-separated: Q0,Q0-fat,Q1,Q2,Q3,index,Q4,huge-line
 *                         (default all)
 *   BENCH_WALK_TIMEOUT_S  a page walk (Q2, Q3, Q4) stops after this long and reports progress (default 300)
 * Scale section (bench/scale-bench.ts: inputs far larger than the answer; its own generated stores):
 *   BENCH_SCALE_REGISTRY_MB   the fat registry's size, MB (default 200)
 *   BENCH_SCALE_ENTRIES       the many-entry registry's entries (default 100000)
 *   BENCH_SCALE_ARRAY_ITEMS   items of the first huge line (default 1000000)
 *   BENCH_SCALE_HUGE_ITEMS    items (characters) of each of the three later huge lines (default 30000000)
 * HTTP section (bench/http-bench.ts: `serve` over the store section's store, loaded by autocannon; SSE on its own small store):
 *   BENCH_HTTP_CLIENTS        concurrent connections per load run (default 50)
 *   BENCH_HTTP_DURATION_S     seconds per load run (default 20)
 *   BENCH_HTTP_SSE_CLIENTS    SSE clients (default 50)
 *   BENCH_HTTP_SSE_EVENTS     messages written while they stream (default 200, one every 50 ms)
 *   BENCH_HTTP_CATCHUP_S      how long the server's background catch-up may take (default 1800)
 * Export section (bench/export-bench.ts: `export --format openai` of the store section's store):
 *   BENCH_EXPORT_TIMEOUT_S    the export is killed after this long (default 3600)
 * Redaction section (bench/redaction-bench.ts: the secret pre-check, before and now, on the store section's text):
 *   BENCH_REDACTION_MB    characters of text, millions of UTF-16 units (default 64)
 * NATS section (bench/nats-bench.ts; needs nats-server):
 *   BENCH_NATS_STORE_MB   the store published for the throughput row, MiB (default 330: ~200k events)
 *   BENCH_NATS_LONG_EVENTS  events of the long session of the tail row (default 1000000)
 * Small and quick: BENCH_STORE_GB=0.05 BENCH_SESSIONS=300 BENCH_BIG_MB=30 BENCH_MEDIUM_MB=5 npm run bench
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchExport } from "./export-bench.js";
import { benchHttp } from "./http-bench.js";
import { benchLineReaders } from "./line-readers.js";
import { benchNats } from "./nats-bench.js";
import { benchRedaction } from "./redaction-bench.js";
import { benchScale } from "./scale-bench.js";
import { benchSearchOnly, benchStore, benchStoreData, STORE_ROWS, type StoreSettings } from "./store-bench.js";

const MB = 1024 * 1024;
const env = process.env;
const number = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(env[name])}`);
  return value;
};
const sections = new Set((env.BENCH_SECTIONS ?? "line-readers,store,scale,http,export,nats,redaction").split(",").map((s) => s.trim()));
const runs = number("BENCH_RUNS", 5);
const lineReaderBytes = number("BENCH_LINE_READER_MB", 200) * MB;
const project = fileURLToPath(new URL("../../", import.meta.url));
const log = (line: string) => console.error(line);
const dataDir = env.BENCH_DATA_DIR ?? join(project, ".bench-data");

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
const storeSettings: StoreSettings = {
  dataDir,
  storeGb: number("BENCH_STORE_GB", 1),
  sessions: Math.round(number("BENCH_SESSIONS", 5000)),
  bigMb: number("BENCH_BIG_MB", 300),
  mediumMb: number("BENCH_MEDIUM_MB", 10),
  seed: Math.round(number("BENCH_SEED", 1)),
  log,
};
const storeConfig = () => ({
  ...storeSettings,
  hugeLineMb: number("BENCH_HUGE_LINE_MB", 50),
  runs,
  budgetMs: number("BENCH_BUDGET_S", 300) * 1000,
  deadlineMs: number("BENCH_WALK_TIMEOUT_S", 300) * 1000,
  withSearch: env.BENCH_STORE_SEARCH !== "0",
  rows: storeRows(env.BENCH_STORE_ROWS),
});
function storeRows(value: string | undefined): Set<string> {
  if (value === undefined) return new Set(STORE_ROWS);
  const rows = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = rows.filter((r) => !(STORE_ROWS as readonly string[]).includes(r));
  if (unknown.length > 0 || rows.length === 0) throw new Error(`BENCH_STORE_ROWS takes a comma-separated list of ${STORE_ROWS.join(", ")}; got ${JSON.stringify(value)}`);
  return new Set(rows);
}
if (sections.has("store")) out.push(await benchStore(storeConfig()));
// (the store section ends with the search rows; "search" alone runs only them, on the same store)
else if (sections.has("search")) out.push(await benchSearchOnly(storeConfig()));
if (sections.has("scale")) {
  out.push(
    await benchScale({
      dataDir,
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

if (sections.has("http")) {
  const { dir, m } = benchStoreData(storeSettings);
  out.push(
    await benchHttp({
      storeDir: dir,
      manifest: m,
      clients: Math.round(number("BENCH_HTTP_CLIENTS", 50)),
      durationS: number("BENCH_HTTP_DURATION_S", 20),
      sseClients: Math.round(number("BENCH_HTTP_SSE_CLIENTS", 50)),
      sseEvents: Math.round(number("BENCH_HTTP_SSE_EVENTS", 200)),
      catchUpTimeoutMs: number("BENCH_HTTP_CATCHUP_S", 1800) * 1000,
      log,
    }),
  );
}
if (sections.has("export")) {
  const { dir, m } = benchStoreData(storeSettings);
  out.push(await benchExport({ storeDir: dir, storeBytes: m.totalBytes, timeoutMs: number("BENCH_EXPORT_TIMEOUT_S", 3600) * 1000, log }));
}
if (sections.has("nats")) {
  out.push(
    await benchNats({
      dataDir,
      storeMb: number("BENCH_NATS_STORE_MB", 330),
      longEvents: Math.round(number("BENCH_NATS_LONG_EVENTS", 1_000_000)),
      runs,
      log,
    }),
  );
}
if (sections.has("redaction")) {
  const { dir } = benchStoreData(storeSettings);
  out.push(`## Redaction pre-check\n\n${await benchRedaction(dir, runs, log, number("BENCH_REDACTION_MB", 64))}`);
}

const knobs = Object.keys(env)
  .filter((name) => name.startsWith("BENCH_") && name !== "BENCH_DATA_DIR")
  .sort()
  .map((name) => `${name}=${env[name]}`);
const fullRun = knobs.length === 0;
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
const report = [
  "# Benchmarks",
  "",
  `Run with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; machine: ${machine}.`,
  "",
  ...(fullRun ? [] : [`**Trial run, not the published numbers** (${knobs.join(" ")}): written to ${join(dataDir, "BENCHMARKS.trial.md")}, not BENCHMARKS.md.`, ""]),
  ...out.flatMap((s) => [s, ""]),
].join("\n");
const target = fullRun ? join(project, "BENCHMARKS.md") : join(dataDir, "BENCHMARKS.trial.md");
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, report);
console.log(report);
log(`report written to ${target}`);

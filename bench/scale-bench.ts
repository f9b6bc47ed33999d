/**
 * Rows for inputs far larger than their answers (issue 30 #12; BENCH_SECTIONS=scale runs them alone):
 * a 200 MB sessions.json of real-sized entries, a registry of 100k entries, and a transcript with a line
 * of 1M array items and three of 30M (a string, an array of numbers, an array of objects). Ours only, the
 * three ways the store rows measure (bench/harness.ts); the target is a peak RSS under 300 MB each.
 */
import { join } from "node:path";
import { measureTogether, oursContestants, oursList, oursMeasurement, removeCacheDirs, type HarnessPlan } from "./harness.js";
import type { QuerySpec } from "./queries.js";
import { check, oursAnswer, ROW_HEADERS, rowCells, type Row } from "./report.js";
import { buildFatRegistryStore, buildHugeArrayStore, buildRegistryStore } from "./scale-stores.js";
import { markdownTable } from "./stats.js";

export type ScaleBenchConfig = {
  dataDir: string;
  /** The fat registry's size, MB (default 200). */
  registryMb: number;
  /** The many-entry registry's entries (default 100,000). */
  entries: number;
  /** Items of the huge lines: one of `arrayItems`, three of `hugeItems` (defaults 1M and 30M). */
  arrayItems: number;
  hugeItems: number;
  runs: number;
  budgetMs: number;
  deadlineMs: number;
  log(line: string): void;
};

const MiB = 1024 * 1024;
const num = (v: unknown) => (typeof v === "number" ? v : NaN);

export async function benchScale(cfg: ScaleBenchConfig): Promise<string> {
  const plan: HarnessPlan = { runs: cfg.runs, budgetMs: cfg.budgetMs, deadlineMs: cfg.deadlineMs, cacheRoot: join(cfg.dataDir, "caches-scale"), log: cfg.log, warmDirs: [] };
  removeCacheDirs(plan);
  const rows: Row[] = [];
  const since = 0;
  const measure = async (label: string, spec: Omit<QuerySpec, "cacheDir" | "deadlineMs">, describe: string, verdict: (r: Record<string, unknown>) => [boolean, string]) => {
    cfg.log(`${label} ...`);
    const ours = await oursContestants(label, spec, plan);
    await measureTogether(oursList(ours), plan);
    const m = oursMeasurement(ours);
    rows.push({ query: describe, ours: m, checks: [check("ours", oursAnswer(m), verdict)] });
  };
  const firstPage = (want: number) => (r: Record<string, unknown>): [boolean, string] => [num(r.events) === want && num(r.sessionsMatched) === 1, `${String(r.events)} events (stoppedBy ${String(r.stoppedBy)})`];

  cfg.log("building the fat registry ...");
  const fat = buildFatRegistryStore(join(cfg.dataDir, `scale-fat-registry-${cfg.registryMb}mb`), cfg.registryMb);
  plan.warmDirs = [fat.dir];
  await measure("fat registry", { query: "ours.first-page", store: fat.dir, since, sessionKey: fat.key },
    `A ${(fat.bytes / MiB).toFixed(0)} MiB sessions.json (${fat.sessions} entries of ~26 KB: a skills snapshot and a prompt report each): session_events first page of one session`, firstPage(2));

  cfg.log("building the many-entry registry ...");
  const many = buildRegistryStore(join(cfg.dataDir, `scale-registry-${cfg.entries}`), { entries: cfg.entries, fat: false, withTranscripts: 20 });
  plan.warmDirs = [many.dir];
  await measure("many entries, one session", { query: "ours.first-page", store: many.dir, since, sessionKey: many.key },
    `A registry of ${many.sessions} entries (${(many.bytes / MiB).toFixed(0)} MiB; 20 with a transcript): session_events first page of one session`, firstPage(2));
  await measure("many entries, every session", { query: "ours.all-first-page", store: many.dir, since },
    `The same registry: sessions_events "*" first page, limit 50`, (r) => [num(r.events) >= 1, `${String(r.events)} events, ${String(r.sessionsMatched)} sessions matched (stoppedBy ${String(r.stoppedBy)})`]);

  cfg.log("building the huge-line transcript ...");
  const huge = buildHugeArrayStore(join(cfg.dataDir, `scale-huge-lines-${cfg.arrayItems}-${cfg.hugeItems}`), { arrayItems: cfg.arrayItems, hugeItems: [cfg.hugeItems] });
  plan.warmDirs = [huge.dir];
  await measure("huge lines", { query: "ours.first-page", store: huge.dir, since, sessionKey: huge.key },
    `A ${(huge.bytes / MiB).toFixed(0)} MiB transcript: a line of ${cfg.arrayItems.toLocaleString("en")} array items, then lines of a ${cfg.hugeItems.toLocaleString("en")}-character string, ${cfg.hugeItems.toLocaleString("en")} numbers and ${(cfg.hugeItems / 8).toLocaleString("en")} objects: session_events first page`, firstPage(6));

  removeCacheDirs(plan);
  return [
    "## Inputs far larger than the answer",
    "",
    "bench/scale-bench.ts (BENCH_SECTIONS=scale runs these alone): ours only, measured the three ways of the store rows (cold, restarted, server); the target is a peak RSS under 300 MB each (issue 30 #12).",
    "",
    markdownTable(ROW_HEADERS, rows.map((r) => rowCells(r, cfg.runs, cfg.deadlineMs))),
  ].join("\n");
}

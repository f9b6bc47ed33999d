/**
 * The store benchmark (issue 4): generates (or reuses) a large OpenClaw file store, then times our
 * queries Q0–Q4 (cold, restarted, as a running server) against a naive Node script, jq and ripgrep doing the same work on the
 * same bytes, checks every answer against the generator's ground truth, and renders the tables.
 */
import { join } from "node:path";
import { MiB } from "./gen-plan.js";
import { jqFullPass, jqRecent, jqToolErrors, rgRecent, rgToolErrors, toolVersion, type ExternalJob } from "./baselines.js";
import { generateStore, type SessionFacts, type StoreManifest } from "./generate-store.js";
import {
  externalContestant,
  measured,
  measureTogether,
  naiveContestant,
  oursContestants,
  oursList,
  oursMeasurement,
  removeCacheDirs,
  SERVER_QUERIES,
  type Contestant,
  type HarnessPlan,
  type Measurement,
  type OursContestants,
  type OursMeasurement,
} from "./harness.js";
import { DEFAULT_HEAP_GROWTH_PERCENT } from "../src/app/heap.js";
import { buildFatRegistryStore } from "./fat-registry.js";
import { buildHugeLineStore } from "./huge-line.js";
import type { QuerySpec } from "./queries.js";
import { check, countsDiff, ms, oursAnswer, ratio, ROW_HEADERS, rowCells, sameCounts, total, type Counts, type Row } from "./report.js";
import { markdownTable } from "./stats.js";
import { benchSearch } from "./search-bench.js";
import { listTranscripts } from "./transcripts.js";

export type StoreBenchConfig = {
  dataDir: string;
  storeGb: number;
  sessions: number;
  bigMb: number;
  mediumMb: number;
  seed: number;
  hugeLineMb: number;
  runs: number;
  budgetMs: number;
  deadlineMs: number;
  /** Whether the section ends with the search rows (BENCH_STORE_SEARCH=0 leaves them out: they take longest). */
  withSearch: boolean;
  /** Which rows to measure (BENCH_STORE_ROWS; all of STORE_ROWS by default). */
  rows: ReadonlySet<string>;
  log(line: string): void;
};

/** The store section's rows, by the names BENCH_STORE_ROWS takes. */
export const STORE_ROWS = ["Q0", "Q0-fat", "Q1", "Q2", "Q3", "index", "Q4", "huge-line"] as const;

type Spec = Omit<QuerySpec, "cacheDir" | "deadlineMs">;
/** Sessions in the fat-registry store: about 8 MB of sessions.json, as OpenClaw users report for ~180-360 sessions. */
const FAT_REGISTRY_SESSIONS = 300;
const num = (v: unknown) => (typeof v === "number" ? v : NaN);

/** A baseline's check: it counted exactly `truth` lines. */
const linesCheck = (truth: number) => (name: string, x: Measurement | undefined) =>
  check(name, x, (r) => [num(r.lines) === truth, `${String(r.lines)} lines (truth ${truth})`]);

export type StoreSettings = Pick<StoreBenchConfig, "dataDir" | "storeGb" | "sessions" | "bigMb" | "mediumMb" | "seed" | "log">;

/** The store section's store (also the HTTP and export sections'): generated once, reused while its settings match. */
export function benchStoreData(cfg: StoreSettings): { dir: string; m: StoreManifest & { reused: boolean } } {
  const options = { totalBytes: Math.round(cfg.storeGb * 1024 * MiB), sessions: cfg.sessions, bigBytes: cfg.bigMb * MiB, mediumBytes: cfg.mediumMb * MiB, seed: cfg.seed };
  const dir = join(cfg.dataDir, `store-${cfg.storeGb}gb-${cfg.sessions}s-${cfg.bigMb}mb-${cfg.mediumMb}mb-seed${cfg.seed}`);
  cfg.log(`generating (or reusing) the store in ${dir} ...`);
  const m = generateStore(dir, options);
  cfg.log(`store: ${(m.totalBytes / MiB).toFixed(0)} MiB, ${m.sessions} sessions, ${m.reused ? "reused" : `generated in ${(m.generationMs / 1000).toFixed(1)} s`}`);
  return { dir, m };
}

/** The bench store (generated, or reused while the settings match) and the plan its rows are measured by. */
function storeAndPlan(cfg: StoreBenchConfig): { dir: string; m: StoreManifest; plan: HarnessPlan } {
  const { dir, m } = benchStoreData(cfg);
  const plan: HarnessPlan = { runs: cfg.runs, budgetMs: cfg.budgetMs, deadlineMs: cfg.deadlineMs, cacheRoot: join(cfg.dataDir, "caches"), log: cfg.log, warmDirs: [dir] };
  removeCacheDirs(plan); // what an interrupted run left
  return { dir, m, plan };
}

/** Only the search rows (BENCH_SECTIONS=search), on the store section's store. */
export async function benchSearchOnly(cfg: StoreBenchConfig): Promise<string> {
  const { dir, m, plan } = storeAndPlan(cfg);
  try {
    const section = await benchSearch(dir, listTranscripts(dir), m.since, plan);
    return `## Search\n\nOn the store section's generated store: ${(m.totalBytes / MiB).toFixed(0)} MiB in ${m.sessions} sessions (BENCH_STORE_GB=${cfg.storeGb} BENCH_SESSIONS=${cfg.sessions} BENCH_BIG_MB=${cfg.bigMb} BENCH_MEDIUM_MB=${cfg.mediumMb}).\n\n${section.replace(/^### Search\n\n/, "")}`;
  } finally {
    removeCacheDirs(plan);
  }
}

export async function benchStore(cfg: StoreBenchConfig): Promise<string> {
  const { dir, m, plan } = storeAndPlan(cfg);
  const files = listTranscripts(dir);
  const jq = toolVersion("jq");
  const rg = toolVersion("rg");
  const external = (label: string, job: ExternalJob | undefined) => (job && (job.tool === "jq" ? jq : rg) ? externalContestant(label, job, plan) : undefined);
  /** One row's contestants: ours, and the baselines given (jq and rg when installed). */
  const rowContestants = async (label: string, ours: Spec, naive?: Spec, jobs: { jq?: ExternalJob; rg?: ExternalJob } = {}): Promise<RowContestants> => ({
    ours: await oursContestants(label, ours, plan),
    naive: naive && naiveContestant(label, naive, plan),
    jq: external(label, jobs.jq),
    rg: external(label, jobs.rg),
  });
  const base: Spec = { query: "", store: dir, since: m.since };
  const rows: Row[] = [];
  const notes: string[] = [];

  // Q0: a small session's first page: the fixed cost of a query on this store (listing it, opening one file)
  if (cfg.rows.has("Q0")) {
    const small = m.smallSession;
    cfg.log("Q0 ...");
    const row = await rowContestants("Q0", { ...base, query: "ours.first-page", sessionKey: small.key }, { ...base, query: "naive.full-pass", path: small.path });
    await measureTogether(everyone(row), plan);
    const { ours, naive } = measuredRow(row);
    rows.push({
      query: `Q0 fixed cost: session_events on a small session (${(small.bytes / 1024).toFixed(0)} KiB), limit 50`,
      ours,
      naive,
      checks: [
        check("ours", oursAnswer(ours), (r) => {
          const n = num(r.events);
          const ok = n === Math.min(50, small.events) || (r.stoppedBy === "byteBudget" && n >= 1 && n < 50);
          return [ok, `${n} events (stoppedBy ${String(r.stoppedBy)}; truth ${small.events} in the session)`];
        }),
        linesCheck(small.lines)("naive", naive),
      ],
    });
  }

  // Q0 again, where each registry entry carries what real ones do (a skills snapshot, a prompt report)
  if (cfg.rows.has("Q0-fat")) {
    cfg.log("Q0 fat registry ...");
    const fat = buildFatRegistryStore(join(cfg.dataDir, "fat-registry"), dir, m.smallSession, FAT_REGISTRY_SESSIONS);
    const spec: Spec = { query: "ours.first-page", store: fat.dir, since: m.since, sessionKey: fat.key };
    plan.warmDirs = [fat.dir];
    const row = await rowContestants("Q0 fat registry", spec, { ...spec, query: "naive.lookup" });
    await measureTogether(everyone(row), plan);
    const { ours, naive } = measuredRow(row);
    plan.warmDirs = [dir];
    rows.push({
      query: `Q0 with real-sized registry entries: the same first page, in a store of ${fat.sessions} sessions whose sessions.json (${(fat.registryBytes / MiB).toFixed(1)} MiB) holds a skills snapshot and a prompt report per entry (bench/fat-registry.ts)`,
      ours,
      naive,
      checks: [
        check("ours", oursAnswer(ours), (r) => [num(r.events) >= 1 && num(r.sessionsMatched) === 1, `${String(r.events)} events (stoppedBy ${String(r.stoppedBy)})`]),
        check("naive", naive, (r) => [num(r.lines) === fat.lines, `registry parsed, ${String(r.lines)} lines (truth ${fat.lines})`]),
      ],
    });
  }

  // Q1: the first page of the last hour of one session, big and medium (measured together: they are compared)
  if (cfg.rows.has("Q1")) {
    cfg.log("Q1 ...");
    const tailContestants = async (label: string, s: SessionFacts) => ({
      label,
      s,
      row: await rowContestants(label, { ...base, query: "ours.tail", sessionKey: s.key }, { ...base, query: "naive.recent", path: s.path }, {
        jq: jqRecent([s.path], m.since),
        rg: rgRecent([s.path], m.since),
      }),
    });
    const tails = [await tailContestants("Q1 big", m.bigSession), await tailContestants("Q1 medium", m.mediumSession)];
    await measureTogether(tails.flatMap((t) => everyone(t.row)), plan);
    const [q1Big, q1Medium] = tails.map(({ label, s, row }) => {
      const { ours, naive, jq: jqM, rg: rgM } = measuredRow(row);
      const want = Math.min(50, s.recentEvents);
      const lines = linesCheck(s.recentLines);
      rows.push({
        query: `${label}: session_events since 1h, limit 50 (${(s.bytes / MiB).toFixed(0)} MiB transcript)`,
        ours,
        naive,
        jq: jqM,
        rg: rgM,
        checks: [
          check("ours", oursAnswer(ours), (r) => {
            // a page may end early at its byte budget; it must then say so, and say more exists
            const n = num(r.events);
            const ok = n >= 1 && n <= want && (n === want || r.stoppedBy === "byteBudget") && r.hasMore === s.recentEvents > n && r.allInWindow === true;
            return [ok, `${n} events (stoppedBy ${String(r.stoppedBy)}), hasMore ${String(r.hasMore)} (truth ${s.recentEvents} in the hour)`];
          }),
          lines("naive", naive),
          lines("jq", jqM),
          lines("rg", rgM),
        ],
      });
      return ours;
    });
    notes.push(`Q1 big ÷ medium (ours): ${threeWays(q1Big, q1Medium)} for a transcript ${(m.bigSession.bytes / m.mediumSession.bytes).toFixed(0)}x larger with about the same last hour (${m.bigSession.recentEvents} vs ${m.mediumSession.recentEvents} events).`);
  }

  // Q2: every session's last hour, every page
  if (cfg.rows.has("Q2")) {
    cfg.log("Q2 ...");
    const row = await rowContestants("Q2", { ...base, query: "ours.recent" }, { ...base, query: "naive.recent" }, { jq: jqRecent(files, m.since), rg: rgRecent(files, m.since) });
    await measureTogether(everyone(row), plan);
    const { ours, naive, jq: jqM, rg: rgM } = measuredRow(row);
    const lines = linesCheck(m.recentLines);
    rows.push({
      query: `Q2: sessions_events "*" since 1h, limit 500, all pages (${files.length} transcripts)`,
      ours,
      naive,
      jq: jqM,
      rg: rgM,
      checks: [
        check("ours", oursAnswer(ours), (r) => {
          const problems = r.problems as string[];
          return [num(r.events) === m.recentEvents && num(r.sessions) === m.recentSessions && problems.length === 0, `${String(r.events)} events in ${String(r.sessions)} sessions, ${String(r.pages)} pages (truth ${m.recentEvents} in ${m.recentSessions})${problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""}`];
        }),
        lines("naive", naive),
        lines("jq", jqM),
        lines("rg", rgM),
      ],
    });
  }

  // Q3: tool errors by tool over the whole store
  if (cfg.rows.has("Q3")) {
    cfg.log("Q3 ...");
    const row = await rowContestants("Q3", { ...base, query: "ours.tool-errors" }, { ...base, query: "naive.tool-errors" }, { jq: jqToolErrors(files), rg: rgToolErrors(files) });
    const scanRow = await rowContestants("Q3 one scan", { ...base, query: "ours.store-pass" });
    await measureTogether([...everyone(row), ...everyone(scanRow)], plan);
    const { ours, naive, jq: jqM, rg: rgM } = measuredRow(row);
    const byTool = (name: string, x: Measurement | undefined) =>
      check(name, x, (r) => {
        const got = r.byTool as Counts;
        return [sameCounts(got, m.toolErrorsByTool), sameCounts(got, m.toolErrorsByTool) ? `${total(got)} errors, per tool equal to truth` : countsDiff(got, m.toolErrorsByTool)];
      });
    rows.push({
      query: `Q3: tool_error counts by tool, whole store (sessions_events types [tool_error], groupBy [tool])`,
      ours,
      naive,
      jq: jqM,
      rg: rgM,
      checks: [
        byTool("ours", oursAnswer(ours)),
        byTool("naive", naive),
        byTool("jq", jqM),
        check("rg", rgM, (r) => [num(r.lines) === m.toolErrors, `${String(r.lines)} lines match (truth ${m.toolErrors}; total only)`]),
      ],
    });
    notes.push(`Q3 ours ÷ rg -c: ${threeWays(ours, rgM)}; jq ÷ ours: ${threeWays(jqM, ours)}.`);
    const scan = measuredRow(scanRow).ours;
    rows.push({
      query: "Q3 floor: one pass of our reader + normalizer over every transcript (no cache)",
      ours: scan,
      checks: [byTool("ours", oursAnswer(scan))],
    });
  }

  // `session-events index`: the first read of every transcript, paid ahead of any query
  if (cfg.rows.has("index")) {
    cfg.log("index ...");
    const row = await rowContestants("index", { ...base, query: "ours.index" });
    await measureTogether(everyone(row), plan);
    const { ours } = measuredRow(row);
    rows.push({
      query: "index: `session-events index` over the whole store (cold: every transcript read and indexed; restarted and server: nothing changed since, a stat each)",
      ours,
      checks: [check("ours", oursAnswer(ours), (r) => [num(r.sessions) === m.sessions, `${String(r.sessions)} sessions (truth ${m.sessions})`])],
    });
  }

  // search: a two-word query and a phrase, with no index, after `index`, in a server; rg and grep
  if (cfg.withSearch) cfg.log("search ...");
  const searchSection = cfg.withSearch ? await benchSearch(dir, files, m.since, plan) : "";

  // Q4: every page of the big session, against one full pass over it
  if (cfg.rows.has("Q4")) {
    cfg.log("Q4 ...");
    const big = m.bigSession;
    const walkRow = await rowContestants("Q4 walk", { ...base, query: "ours.walk-session", sessionKey: big.key });
    const passRow = await rowContestants("Q4 full pass", { ...base, query: "ours.full-pass", path: big.path }, { ...base, query: "naive.full-pass", path: big.path }, {
      jq: jqFullPass(big.path),
    });
    const shapedRow = await rowContestants("Q4 shaped pass", { ...base, query: "ours.shaped-pass", sessionKey: big.key });
    await measureTogether([walkRow, passRow, shapedRow].flatMap(everyone), plan);
    const walk = measuredRow(walkRow).ours;
    const { ours: pass, naive, jq: jqM } = measuredRow(passRow);
    const shaped = measuredRow(shapedRow).ours;
    rows.push({
      query: `Q4: session_events big session, limit 500, every page`,
      ours: walk,
      checks: [
        check("ours", oursAnswer(walk), (r) => {
          const problems = r.problems as string[];
          return [num(r.events) === big.events && problems.length === 0, `${String(r.events)} events in ${String(r.pages)} pages (truth ${big.events})${problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""}`];
        }),
      ],
    });
    const lines = linesCheck(big.lines);
    rows.push({
      query: "Q4 one full pass of the big session (ours: reader + normalizer; others: parse every line)",
      ours: pass,
      naive,
      jq: jqM,
      checks: [check("ours", oursAnswer(pass), (r) => [num(r.events) === big.events, `${String(r.events)} events (truth ${big.events})`]), lines("naive", naive), lines("jq", jqM)],
    });
    rows.push({
      query: "Q4 one full pass of the big session as pages see it (reader + normalizer + each event shaped and measured for a page)",
      ours: shaped,
      checks: [check("ours", oursAnswer(shaped), (r) => [num(r.events) === big.events, `${String(r.events)} events (truth ${big.events})`])],
    });
    const walkM = oursAnswer(walk);
    const progress = walkM.result as { events?: number; pages?: number } | undefined;
    notes.push(
      walkM.timedOut
        ? `Q4 walk ÷ full pass: the walk timed out after ${(cfg.deadlineMs / 1000).toFixed(0)} s with ${progress?.events ?? "?"} of ${big.events} events (${progress?.pages ?? "?"} pages), so more than ${(cfg.deadlineMs / (pass.server.medianMs ?? NaN)).toFixed(0)}x a full pass (${ms(pass.server, cfg.runs, cfg.deadlineMs)} ms); at that pace the whole walk would take about ${((cfg.deadlineMs * big.events) / Math.max(1, progress?.events ?? 1) / 1000).toFixed(0)} s.`
        : `Q4 walk ÷ one pass of reader + normalizer: ${threeWays(walk, pass)}; walk ÷ one shaped pass: ${threeWays(walk, shaped)}.`,
    );
  }

  // one 50 MB line
  if (cfg.rows.has("huge-line")) {
    cfg.log("huge line ...");
    const huge = buildHugeLineStore(join(cfg.dataDir, `huge-line-${cfg.hugeLineMb}mb`), m.smallSession, cfg.hugeLineMb, cfg.seed);
    const spec: Spec = { query: "ours.huge-line", store: huge.dir, since: m.since, sessionKey: huge.key };
    plan.warmDirs = [huge.dir];
    const row = await rowContestants("huge line", spec, { ...spec, query: "naive.full-pass", path: huge.path });
    await measureTogether(everyone(row), plan);
    const { ours, naive } = measuredRow(row);
    rows.push({
      query: `A ${(huge.lineBytes / MiB).toFixed(0)} MiB single line (tool result) in a small session: session_events desc, limit 50`,
      ours,
      naive,
      checks: [
        check("ours", oursAnswer(ours), (r) => [r.truncated === true && num(r.pageBytes) <= 64 * 1024, `text cut to ${String(r.biggestChars)} chars (truncated ${String(r.truncated)}), page ${String(r.pageBytes)} bytes, ${String(r.events)} events`]),
        check("naive", naive, (r) => [true, `parsed ${String(r.lines)} lines`]),
      ],
    });
  }
  removeCacheDirs(plan);
  return [render(m, rows, notes, cfg, { jq, rg }), searchSection].filter(Boolean).join("\n\n");
}

/** What one row measures: ours three ways, and the baselines it has. */
type RowContestants = { ours: OursContestants; naive?: Contestant; jq?: Contestant; rg?: Contestant };

function everyone(row: RowContestants): Array<Contestant | undefined> {
  return [...oursList(row.ours), row.naive, row.jq, row.rg];
}

function measuredRow(row: RowContestants) {
  return { ours: oursMeasurement(row.ours), naive: measured(row.naive), jq: measured(row.jq), rg: measured(row.rg) };
}

type Ways = OursMeasurement | Measurement | undefined;

/** A ratio of two measurements each way ("cold 1.2x, restarted 1.1x, server 1.0x"); a baseline is the same every way. */
function threeWays(a: Ways, b: Ways): string {
  const way = (x: Ways, k: keyof OursMeasurement) => (x && "cold" in x ? x[k] : x);
  return (["cold", "restarted", "server"] as const).map((k) => `${k} ${ratio(way(a, k), way(b, k))}`).join(", ");
}

function render(m: StoreManifest, rows: Row[], notes: string[], cfg: StoreBenchConfig, versions: { jq?: string; rg?: string }): string {
  const since = new Date(m.since).toISOString();
  const errors = Object.entries(m.toolErrorsByTool).map(([k, v]) => `${k} ${v}`).join(", ");
  const storeTable = markdownTable(
    ["store", "value"],
    [
      ["total transcript bytes", `${(m.totalBytes / MiB).toFixed(0)} MiB in ${m.sessions} sessions (${Object.entries(m.sessionsByAgent).map(([a, n]) => `${a} ${n}`).join(", ")})`],
      ["lines / events", `${m.lines} / ${m.events}`],
      ["big session", `${m.bigSession.key}: ${(m.bigSession.bytes / MiB).toFixed(0)} MiB, ${m.bigSession.lines} lines, ${m.bigSession.events} events, ${m.bigSession.recentEvents} in the last hour`],
      ["medium session", `${m.mediumSession.key}: ${(m.mediumSession.bytes / MiB).toFixed(1)} MiB, ${m.mediumSession.lines} lines, ${m.mediumSession.events} events, ${m.mediumSession.recentEvents} in the last hour`],
      ["last hour (since " + since + ")", `${m.recentEvents} events, ${m.recentLines} lines, in ${m.recentSessions} sessions`],
      ["tool results / errors", `${m.toolResults} / ${m.toolErrors} (${errors})`],
      ["spawned sessions, compactions", `${m.spawnedSessions}, ${m.compactions}`],
      ["largest line", `${(m.largestLineBytes / MiB).toFixed(1)} MiB`],
      ["generated in", `${(m.generationMs / 1000).toFixed(1)} s (seed ${cfg.seed})`],
    ],
  );
  return [
    `## Store queries`,
    "",
    `A generated OpenClaw file store (bench/generate-store.ts; BENCH_STORE_GB=${cfg.storeGb} BENCH_SESSIONS=${cfg.sessions} BENCH_BIG_MB=${cfg.bigMb} BENCH_MEDIUM_MB=${cfg.mediumMb}):`,
    "",
    storeTable,
    "",
    `Ours is measured three ways, each in child Node processes started as the CLI starts (heap growth limited to ${DEFAULT_HEAP_GROWTH_PERCENT}% past live data, see README; the naive baseline keeps Node's defaults; peak RSS is the process's): **cold** = a new process and a fresh, empty SESSION_EVENTS_CACHE_DIR (the first query after install); **restarted** = a new process with the cache dir the first cold run left (the first query after a restart); **server** = a process started on that cache dir answers the query ${SERVER_QUERIES} times, the store changed before each repeat, and the last answer is timed: a running MCP server answering again over a live store (a file comes and goes in the store's agents dir, so the server lists the store again and makes anew what it keeps of the listing, such as lookups by key and where each session's next event is; its indexes and registry copies stay in memory; RSS: that process's peak over all its runs). What a row's ratios compare (ours each way and the baselines; Q1 big and medium; the Q4 rows; Q3 and its floor) is measured together, in rounds that run each once in turn, so that a slow stretch of this shared machine (runs of minutes 30–50% slower were seen) falls on all of them alike. The OS page cache is warm for all (the store's files are read before every run); cache dirs are removed only after all measurements (deleting thousands of index files just before a cold run slowed that run's own file creation several times over on this machine's file system). "1h" is the hour before the store was generated (passed as epoch ms, so a reused store answers the same). Median of up to ${cfg.runs} runs (n shows fewer, within a ${(cfg.budgetMs / 1000).toFixed(0)} s budget per cell); page walks stop after ${(cfg.deadlineMs / 1000).toFixed(0)} s. naive = Node readFileSync + split + JSON.parse of every line; jq: ${versions.jq ?? "not installed (skipped)"}; rg: ${versions.rg ?? "not installed (skipped)"}. Baselines count lines (Q1, Q2) where ours counts events.`,
    "",
    markdownTable(ROW_HEADERS, rows.map((r) => rowCells(r, cfg.runs, cfg.deadlineMs))),
    "",
    ...notes.map((n) => `- ${n}`),
  ].join("\n");
}

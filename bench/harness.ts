/**
 * Timing for the store benchmarks. Every measured query runs in a child process (run-one.ts), so each
 * reports its own peak RSS. Ours is measured three ways: **cold** (a new process, an empty
 * SESSION_EVENTS_CACHE_DIR: the first query after install), **restarted** (a new process, the cache dir
 * a cold run left: the first query after a restart) and **server** (the same query repeated in one
 * process, the store changed before each repeat: a running MCP server answering again over a live
 * store, which lists it again). The OS page cache is warm for everyone alike: the
 * store fits in RAM, every contestant reads the same files, and they are read before every run
 * (warmPageCache). A query is repeated up to `runs` times within a time budget; a run that hits the
 * deadline is not repeated.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { ExternalJob } from "./baselines.js";
import type { QuerySpec } from "./queries.js";
import { median } from "./stats.js";

export type Outcome = { ms: number; maxRssMb?: number; result?: unknown; error?: string; timedOut?: boolean };
export type Measurement = { runs: Outcome[]; medianMs?: number; maxRssMb?: number; result?: unknown; error?: string; timedOut?: boolean };
export type HarnessPlan = {
  runs: number;
  budgetMs: number;
  deadlineMs: number;
  cacheRoot: string;
  log(line: string): void;
  /** Dirs whose files are read before every run, so each starts with them in the OS page cache. */
  warmDirs: string[];
};

const RUN_ONE = fileURLToPath(new URL("./run-one.js", import.meta.url));
const TIME = "/usr/bin/time";
/** Beyond the in-process deadline, how long a child may take before it is killed. */
const KILL_GRACE_MS = 120_000;

function summarize(runs: Outcome[]): Measurement {
  const good = runs.filter((r) => !r.error && !r.timedOut);
  const rss = runs.map((r) => r.maxRssMb).filter((v): v is number => v !== undefined);
  const bad = runs.find((r) => r.error || r.timedOut);
  return {
    runs,
    ...(good.length > 0 ? { medianMs: median(good.map((r) => r.ms)) } : {}),
    ...(rss.length > 0 ? { maxRssMb: Math.max(...rss) } : {}),
    result: (good[0] ?? runs[0])?.result,
    ...(bad?.error ? { error: bad.error } : {}),
    ...(bad?.timedOut ? { timedOut: true } : {}),
  };
}

type ChildRuns = { runs: number[]; maxRssMb?: number; result?: unknown; error?: string; timedOut?: boolean };

/** Runs one query in a child process, `spec.repeat` times over one app context. */
export function runChildRuns(spec: QuerySpec, killAfterMs: number): Promise<ChildRuns> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [RUN_ONE, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, killAfterMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (killed) return resolve({ runs: [ms], timedOut: true, error: `killed after ${(ms / 1000).toFixed(0)} s` });
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        const parsed = JSON.parse(last) as { runs: number[]; maxRssMb: number; result?: Record<string, unknown>; error?: string };
        const timedOut = parsed.result?.timedOut === true;
        resolve({ runs: parsed.runs, maxRssMb: parsed.maxRssMb, result: parsed.result, ...(parsed.error ? { error: parsed.error } : {}), ...(timedOut ? { timedOut } : {}) });
      } catch {
        resolve({ runs: [ms], error: `exit ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ") || "no output"}` });
      }
    });
  });
}

/** Runs one query once in a new child process. */
export async function runChild(spec: QuerySpec, killAfterMs: number): Promise<Outcome> {
  const { runs, ...rest } = await runChildRuns({ ...spec, repeat: 1 }, killAfterMs);
  return { ms: runs[0] ?? NaN, ...rest };
}

/**
 * Reads every file under these dirs (and drops the bytes), so a run finds them in the OS page cache.
 * This machine's page cache is not kept: between runs it was seen to fall from 1.7 GB to 0.5 GB, and
 * a run that then read the store from disk took up to twice as long, whoever ran it.
 */
export function warmPageCache(dirs: readonly string[]): void {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (entry.isFile()) {
        const fd = openSync(child, "r");
        try {
          while (readSync(fd, buffer, 0, buffer.length, null) > 0);
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  for (const dir of dirs) if (existsSync(dir)) visit(dir);
}

async function repeat(label: string, plan: HarnessPlan, once: () => Promise<Outcome>, first?: Outcome): Promise<Outcome[]> {
  const runs: Outcome[] = first ? [first] : [];
  let spent = runs.reduce((sum, r) => sum + r.ms, 0);
  while (runs.length < plan.runs) {
    const last = runs[runs.length - 1];
    if (last && (last.error || last.timedOut || spent + last.ms > plan.budgetMs)) break;
    warmPageCache(plan.warmDirs);
    const outcome = await once();
    runs.push(outcome);
    spent += outcome.ms;
    plan.log(`  ${label} #${runs.length}: ${outcome.ms.toFixed(0)} ms${outcome.maxRssMb ? `, ${outcome.maxRssMb.toFixed(0)} MB` : ""}${outcome.error ? ` (${outcome.error})` : ""}`);
  }
  return runs;
}

function freshCacheDir(plan: HarnessPlan): string {
  mkdirSync(plan.cacheRoot, { recursive: true });
  return mkdtempSync(join(plan.cacheRoot, "cache-"));
}

/**
 * Removes every cache dir the runs left. Done once, after all measurements: deleting thousands of
 * index files right before a cold run made that run's own file creation several times slower on this
 * machine's file system (5,000 creates: ~0.2 s, ~1.9 s just after 10,000 deletes), a cost of the
 * harness, not of a first query after install.
 */
export function removeCacheDirs(plan: HarnessPlan): void {
  rmSync(plan.cacheRoot, { recursive: true, force: true });
}

export type OursMeasurement = { cold: Measurement; restarted: Measurement; server: Measurement };

/**
 * Ours three ways. The first cold run leaves its cache dir for the restarted runs; further cold runs
 * each get an empty one. Then one process runs the query `runs + 1` times: its first run starts that
 * "server", the others, each after a change in the store (so not answered from the listing and what an
 * earlier run learned through it), are the server measurement (peak RSS: that process over all its runs).
 */
export async function measureOurs(label: string, spec: Omit<QuerySpec, "cacheDir" | "deadlineMs">, plan: HarnessPlan): Promise<OursMeasurement> {
  const killAfter = plan.deadlineMs + KILL_GRACE_MS;
  const once = (cacheDir: string) => runChild({ ...spec, cacheDir, deadlineMs: plan.deadlineMs }, killAfter);
  // cache dirs (each cold run and the server get a fresh one) stay until removeCacheDirs, after all measurements
  const warmDir = freshCacheDir(plan);
  warmPageCache(plan.warmDirs);
  const first = await once(warmDir);
  plan.log(`  ${label} ours cold #1: ${first.ms.toFixed(0)} ms, ${first.maxRssMb?.toFixed(0) ?? "?"} MB${first.error ? ` (${first.error})` : ""}`);
  // after a cold run that timed out, restarted runs still show what the cache it left is worth
  const restarted = first.error && !first.timedOut ? [] : await repeat(`${label} ours restarted`, plan, () => once(warmDir));
  const cold = await repeat(`${label} ours cold`, plan, () => once(freshCacheDir(plan)), first);
  let server: ChildRuns | undefined;
  if (!first.error && !first.timedOut) {
    warmPageCache(plan.warmDirs);
    server = await runChildRuns(
      { ...spec, cacheDir: freshCacheDir(plan), deadlineMs: plan.deadlineMs, repeat: plan.runs + 1, changeStoreBetweenRuns: true },
      killAfter * (plan.runs + 1),
    );
  }
  if (server) plan.log(`  ${label} ours server: ${server.runs.map((r) => r.toFixed(0)).join(", ")} ms, ${server.maxRssMb?.toFixed(0) ?? "?"} MB${server.error ? ` (${server.error})` : ""}`);
  const serverRuns: Outcome[] = server ? server.runs.slice(1).map((ms) => ({ ms, maxRssMb: server.maxRssMb, result: server.result, ...(server.error ? { error: server.error } : {}), ...(server.timedOut ? { timedOut: true } : {}) })) : [];
  return { cold: summarize(cold), restarted: summarize(restarted), server: summarize(serverRuns) };
}

/** A naive baseline query (no cache involved). */
export async function measureNaive(label: string, spec: Omit<QuerySpec, "cacheDir" | "deadlineMs">, plan: HarnessPlan): Promise<Measurement> {
  const full: QuerySpec = { ...spec, cacheDir: plan.cacheRoot, deadlineMs: plan.deadlineMs };
  return summarize(await repeat(`${label} naive`, plan, () => runChild(full, plan.deadlineMs + KILL_GRACE_MS)));
}

/** One run of an external tool job: wall time over its invocations, peak RSS via /usr/bin/time. */
export async function runExternal(job: ExternalJob, killAfterMs: number): Promise<Outcome> {
  const collector = job.collector();
  const started = performance.now();
  let maxRssMb: number | undefined;
  const rssFile = join(process.env.TMPDIR ?? "/tmp", `bench-rss-${process.pid}.txt`);
  const useTime = existsSync(TIME);
  for (const args of job.invocations) {
    const [cmd, argv] = useTime ? [TIME, ["-f", "%M", "-o", rssFile, job.tool, ...args]] : [job.tool, args];
    const failure = await new Promise<string | undefined>((resolve) => {
      // its own process group, so a timeout kills the tool along with /usr/bin/time
      const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], detached: true });
      let pending = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        const text = pending + d.toString();
        const lines = text.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) if (line !== "") collector.line(line);
      });
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      }, Math.max(1000, killAfterMs - (performance.now() - started)));
      child.on("close", (code) => {
        clearTimeout(timer);
        if (pending !== "") collector.line(pending);
        // rg exits 1 when nothing matched; /usr/bin/time passes the tool's exit code on
        if (code === null) resolve("killed (timeout)");
        else resolve(code === 0 || (job.tool === "rg" && code === 1) ? undefined : `${job.tool} exited ${code}: ${stderr.trim().split("\n").slice(-2).join(" | ")}`);
      });
    });
    if (useTime) {
      const kb = Number((existsSync(rssFile) ? readFileSync(rssFile, "utf8") : "").trim().split("\n").pop());
      if (kb > 0) maxRssMb = Math.max(maxRssMb ?? 0, kb / 1024);
    }
    if (failure) return { ms: performance.now() - started, error: failure, ...(failure.startsWith("killed") ? { timedOut: true } : {}), ...(maxRssMb ? { maxRssMb } : {}) };
  }
  rmSync(rssFile, { force: true });
  return { ms: performance.now() - started, result: collector.result(), ...(maxRssMb !== undefined ? { maxRssMb } : {}) };
}

export async function measureExternal(label: string, job: ExternalJob, plan: HarnessPlan): Promise<Measurement> {
  return summarize(await repeat(`${label} ${job.tool}`, plan, () => runExternal(job, plan.deadlineMs + KILL_GRACE_MS)));
}

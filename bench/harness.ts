/**
 * Timing for the store benchmarks. Every measured query runs in a child process (run-one.ts), so each
 * reports its own peak RSS. Ours is measured three ways: **cold** (a new process, an empty
 * SESSION_EVENTS_CACHE_DIR: the first query after install), **restarted** (a new process, the cache dir
 * a cold run left: the first query after a restart) and **server** (a process on that cache dir that
 * has answered the query before, the store changed since: a running MCP server answering again over a
 * live store, which lists it again). The OS page cache is warm for everyone alike: the store fits in
 * RAM, every contestant reads the same files, and they are read before every run (warmPageCache). What
 * is compared is measured together, in rounds (measureTogether); each is run up to `runs` times within
 * a time budget, and a run that hits the deadline is not repeated.
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

/** One thing measured (ours one way, or a baseline): each call of `once` runs it once. */
export type Contestant = { label: string; once(): Promise<Outcome>; runs: Outcome[] };

export function contestant(label: string, once: () => Promise<Outcome>, runs: Outcome[] = []): Contestant {
  return { label, once, runs };
}

/** A contestant is done after `runs` runs, or once one failed or timed out, or the next would pass the budget. */
function done(c: Contestant, plan: HarnessPlan): boolean {
  const last = c.runs[c.runs.length - 1];
  const spent = c.runs.reduce((sum, r) => sum + r.ms, 0);
  return c.runs.length >= plan.runs || (last !== undefined && (!!last.error || !!last.timedOut || spent + last.ms > plan.budgetMs));
}

/**
 * Measures contestants together, in rounds: each round runs every contestant not done yet once, in
 * turn, with the store's files read into the OS page cache before each run. This machine is shared and
 * drifts (a stretch of minutes can run everything 30% slower), so contestants whose times are compared
 * are measured side by side rather than one after the other: a slow stretch falls on all of them.
 */
export async function measureTogether(contestants: ReadonlyArray<Contestant | undefined>, plan: HarnessPlan): Promise<void> {
  const all = contestants.filter((c): c is Contestant => c !== undefined);
  for (let pending = all.filter((c) => !done(c, plan)); pending.length > 0; pending = all.filter((c) => !done(c, plan))) {
    for (const c of pending) {
      warmPageCache(plan.warmDirs);
      const outcome = await c.once();
      c.runs.push(outcome);
      plan.log(`  ${c.label} #${c.runs.length}: ${outcome.ms.toFixed(0)} ms${outcome.maxRssMb ? `, ${outcome.maxRssMb.toFixed(0)} MB` : ""}${outcome.error ? ` (${outcome.error})` : ""}`);
    }
  }
}

/** The measurement of a contestant's runs (undefined for none). */
export function measured(c: Contestant | undefined): Measurement | undefined {
  return c && summarize(c.runs);
}

export function freshCacheDir(plan: HarnessPlan): string {
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
export type OursContestants = { cold: Contestant; restarted?: Contestant; server?: Contestant };

/** Queries a server process answers; the last is the one measured (the first is a restarted run). */
export const SERVER_QUERIES = 3;

/**
 * Ours three ways, to be measured together with what they are compared with. The first cold run is
 * made here and leaves its cache dir for the restarted runs and the servers; further cold runs each get
 * an empty one. Each server run is a process started on that cache dir that answers the query
 * SERVER_QUERIES times, the store changed before each repeat; the last answer is the measurement
 * (peak RSS: the process's over all its runs).
 */
export async function oursContestants(label: string, spec: Omit<QuerySpec, "cacheDir" | "deadlineMs">, plan: HarnessPlan): Promise<OursContestants> {
  const killAfter = plan.deadlineMs + KILL_GRACE_MS;
  const once = (cacheDir: string) => runChild({ ...spec, cacheDir, deadlineMs: plan.deadlineMs }, killAfter);
  // cache dirs stay until removeCacheDirs, after all measurements
  const warmDir = freshCacheDir(plan);
  warmPageCache(plan.warmDirs);
  const first = await once(warmDir);
  plan.log(`  ${label} ours cold #1: ${first.ms.toFixed(0)} ms, ${first.maxRssMb?.toFixed(0) ?? "?"} MB${first.error ? ` (${first.error})` : ""}`);
  const cold = contestant(`${label} ours cold`, () => once(freshCacheDir(plan)), [first]);
  // after a cold run that timed out, restarted runs still show what the cache it left is worth
  if (first.error && !first.timedOut) return { cold };
  const restarted = contestant(`${label} ours restarted`, () => once(warmDir));
  if (first.timedOut) return { cold, restarted };
  const repeat = SERVER_QUERIES;
  const server = contestant(`${label} ours server`, async () => {
    const r = await runChildRuns({ ...spec, cacheDir: warmDir, deadlineMs: plan.deadlineMs, repeat, changeStoreBetweenRuns: true }, killAfter * repeat);
    const ms = r.runs.length === repeat ? r.runs[repeat - 1]! : NaN;
    const error = r.error ?? (r.timedOut || r.runs.length === repeat ? undefined : `answered ${r.runs.length} of ${repeat} queries`);
    return { ms, maxRssMb: r.maxRssMb, result: r.result, ...(error ? { error } : {}), ...(r.timedOut ? { timedOut: true } : {}) };
  });
  return { cold, restarted, server };
}

export function oursMeasurement(o: OursContestants): OursMeasurement {
  return { cold: summarize(o.cold.runs), restarted: summarize(o.restarted?.runs ?? []), server: summarize(o.server?.runs ?? []) };
}

/** The contestants of ours, for measureTogether. */
export function oursList(o: OursContestants): Contestant[] {
  return [o.cold, o.restarted, o.server].filter((c): c is Contestant => c !== undefined);
}

/** A naive baseline query (no cache involved). */
export function naiveContestant(label: string, spec: Omit<QuerySpec, "cacheDir" | "deadlineMs">, plan: HarnessPlan): Contestant {
  const full: QuerySpec = { ...spec, cacheDir: plan.cacheRoot, deadlineMs: plan.deadlineMs };
  return contestant(`${label} naive`, () => runChild(full, plan.deadlineMs + KILL_GRACE_MS));
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
        // rg and grep exit 1 when nothing matched; /usr/bin/time passes the tool's exit code on
        if (code === null) resolve("killed (timeout)");
        else resolve(code === 0 || (job.tool !== "jq" && code === 1) ? undefined : `${job.tool} exited ${code}: ${stderr.trim().split("\n").slice(-2).join(" | ")}`);
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

export function externalContestant(label: string, job: ExternalJob, plan: HarnessPlan): Contestant {
  return contestant(`${label} ${job.tool}`, () => runExternal(job, plan.deadlineMs + KILL_GRACE_MS));
}

/**
 * The export benchmark (issue 29): `session-events export --format openai` over the store section's
 * whole store, a fresh cache dir, to a file: wall and CPU time, peak RSS (/usr/bin/time) and what it wrote.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MAIN_JS } from "./serve-process.js";
import { markdownTable } from "./stats.js";

export type ExportBenchConfig = { storeDir: string; storeBytes: number; timeoutMs: number; log(line: string): void };

const TIME = "/usr/bin/time";
const RSS_TARGET_MB = 200;
const MiB = 1024 * 1024;

type Run = { wallMs: number; code: number | null; stderr: string; timedOut: boolean; rssMb?: number; userS?: number; systemS?: number; outBytes?: number };

function runExport(cfg: ExportBenchConfig, box: string): Promise<Run> {
  const out = join(box, "export.jsonl");
  const timing = join(box, "time.txt");
  const args = [MAIN_JS, "export", "--store", cfg.storeDir, "--format", "openai", "--out", out];
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ["-f", "%M %U %S", "-o", timing, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { env: { ...process.env, SESSION_EVENTS_CACHE_DIR: join(box, "cache") }, stdio: ["ignore", "ignore", "pipe"], detached: true });
    let stderr = "";
    let timedOut = false;
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL"); // its own group: /usr/bin/time and the export alike
    }, cfg.timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const run: Run = { wallMs: performance.now() - started, code, stderr, timedOut };
      if (useTime && existsSync(timing)) {
        const [rssKb, user, system] = readFileSync(timing, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
        Object.assign(run, { rssMb: rssKb! / 1024, userS: user, systemS: system });
      }
      if (existsSync(out)) run.outBytes = statSync(out).size;
      resolve(run);
    });
  });
}

export async function benchExport(cfg: ExportBenchConfig): Promise<string> {
  const box = mkdtempSync(join(tmpdir(), "session-events-export-bench-"));
  let run: Run;
  try {
    cfg.log("export: the whole store, --format openai ...");
    run = await runExport(cfg, box);
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
  const ok = run.code === 0 && !run.timedOut;
  const summary = run.stderr.trim().split("\n").find((l) => l.startsWith("exported ")) ?? "";
  const cpu = run.userS === undefined ? "— (no /usr/bin/time)" : `${run.userS.toFixed(1)} s user + ${run.systemS!.toFixed(1)} s system`;
  const rss = run.rssMb === undefined ? "— (no /usr/bin/time)" : `${run.rssMb.toFixed(0)} MB (target under ${RSS_TARGET_MB} MB: ${run.rssMb < RSS_TARGET_MB ? "met" : "NOT met"})`;
  return [
    "## Export",
    "",
    `\`session-events export --format openai\` over the store section's whole store (${(cfg.storeBytes / MiB).toFixed(0)} MiB of transcripts), a fresh cache dir, written to a file (bench/export-bench.ts). CPU time is the figure to compare across runs on a shared machine; wall time follows the load of its neighbours.`,
    "",
    markdownTable(
      ["what", "value"],
      [
        ["result", ok ? `✓ ${summary}` : `NO: ${run.timedOut ? `killed after ${(cfg.timeoutMs / 1000).toFixed(0)} s` : `exit ${run.code}`}: ${run.stderr.trim().split("\n").slice(-2).join(" | ")}`],
        ["written", run.outBytes === undefined ? "—" : `${(run.outBytes / MiB).toFixed(1)} MiB of JSONL`],
        ["wall", `${(run.wallMs / 1000).toFixed(1)} s (${((cfg.storeBytes / MiB) / (run.wallMs / 1000)).toFixed(1)} MiB/s of transcript)`],
        ["CPU", cpu],
        ["peak RSS", rss],
      ],
    ),
  ].join("\n");
}

/**
 * The search rows of the store benchmark (issue 28): a two-word query and a phrase across all sessions,
 * ours with no index yet (the scan fallback, a fresh cache dir), after `session-events index` (a new
 * process on the cache dir it filled) and in a running server, against `rg -il` and `grep -ril` over
 * the same files; and the index itself: its time against the index without full text, its size
 * against the text it holds. Read against the issue's targets in the notes.
 */
import { filesMatching, toolVersion } from "./baselines.js";
import { contestant, externalContestant, freshCacheDir, measured, measureTogether, runChild, runChildRuns, SERVER_QUERIES, type Contestant, type HarnessPlan, type Measurement } from "./harness.js";
import type { QuerySpec } from "./queries.js";
import { ms, ratio } from "./report.js";
import { markdownTable } from "./stats.js";

/** Each query, and what a line-based tool looks for in its place (both words on one line; the words in a row). */
const SEARCHES = [
  { text: "budget review", pattern: "budget.*review|review.*budget" },
  { text: '"budget quarter"', pattern: "budget[^a-z0-9]+quarter" },
];
const TARGETS = { indexedVsRg: 20, coldVsRg: 3, indexTime: 2, indexSize: 0.5, rssMb: 250 };

type Spec = Omit<QuerySpec, "cacheDir" | "deadlineMs">;
type Answer = { sessionsWithHits?: number; top?: unknown; notes?: string[] };

export async function benchSearch(store: string, files: string[], since: number, plan: HarnessPlan): Promise<string> {
  const killAfter = plan.deadlineMs + 120_000;
  const child = (spec: Spec, cacheDir: () => string) => () => runChild({ ...spec, cacheDir: cacheDir(), deadlineMs: plan.deadlineMs }, killAfter);
  const base: Spec = { query: "", store, since };

  plan.log("search: index ...");
  const indexed = freshCacheDir(plan);
  const first = await runChild({ ...base, query: "ours.index-with-text", cacheDir: indexed, deadlineMs: plan.deadlineMs }, killAfter);
  const withText = contestant("index with full text", child({ ...base, query: "ours.index-with-text" }, () => freshCacheDir(plan)), [first]);
  const plain = contestant("index without", child({ ...base, query: "ours.index" }, () => freshCacheDir(plan)));
  await measureTogether([withText, plain], plan);
  const built = first.result as { textBytes?: number; indexBytes?: number; events?: number } | undefined;

  const rgVersion = toolVersion("rg");
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const { text, pattern } of SEARCHES) {
    plan.log(`search: ${text} ...`);
    const spec: Spec = { ...base, query: "ours.search", text };
    const cold = contestant(`${text} cold`, child(spec, () => freshCacheDir(plan)));
    const after = contestant(`${text} after index`, child(spec, () => indexed));
    const server = contestant(`${text} server`, async () => {
      const r = await runChildRuns({ ...spec, cacheDir: indexed, deadlineMs: plan.deadlineMs, repeat: SERVER_QUERIES, changeStoreBetweenRuns: true }, killAfter * SERVER_QUERIES);
      return { ms: r.runs[r.runs.length - 1] ?? NaN, maxRssMb: r.maxRssMb, result: r.result, error: r.error };
    });
    const rg: Contestant | undefined = rgVersion ? externalContestant(`${text}`, filesMatching("rg", files, pattern), plan) : undefined;
    const grep = externalContestant(`${text}`, filesMatching("grep", files, pattern), plan);
    await measureTogether([cold, after, server, rg, grep], plan);
    const [c, a, s, r, g] = [cold, after, server, rg, grep].map(measured);
    rows.push([
      `\`${text}\``,
      ms(c, plan.runs, plan.deadlineMs),
      ms(a, plan.runs, plan.deadlineMs),
      ms(s, plan.runs, plan.deadlineMs),
      ms(r, plan.runs, plan.deadlineMs),
      ms(g, plan.runs, plan.deadlineMs),
      [c, a, s].map((m) => (m?.maxRssMb === undefined ? "—" : m.maxRssMb.toFixed(0))).join(" / "),
      agreement(c, a, s, r),
    ]);
    // (the targets are against rg; grep stands in where rg is not installed)
    const [b, tool] = r ? [r, "rg"] : [g, "grep"];
    notes.push(
      `${text}: ${tool} ÷ ours after index ${ratio(b, a)} (target ≥ ${TARGETS.indexedVsRg}x: ${met(b, a, TARGETS.indexedVsRg)}); ${tool} ÷ ours in a server ${ratio(b, s)}; ours with no index ÷ ${tool} ${ratio(c, b)} (target ≤ ${TARGETS.coldVsRg}x: ${met(c, b, 1 / TARGETS.coldVsRg, true)}); peak RSS ${peakOk([c, a, s])}.`,
    );
  }
  const w = measured(withText);
  const p = measured(plain);
  const size = built?.indexBytes !== undefined && built.textBytes ? built.indexBytes / built.textBytes : NaN;
  notes.push(
    `Indexing: \`session-events index\` with the full text ${ms(w, plan.runs, plan.deadlineMs)} ms against ${ms(p, plan.runs, plan.deadlineMs)} ms without (${ratio(w, p)}; target ≤ ${TARGETS.indexTime}x: ${met(w, p, 1 / TARGETS.indexTime, true)}); peak RSS ${w?.maxRssMb?.toFixed(0) ?? "?"} MB. ` +
      `Index size ${mib(built?.indexBytes)} MiB for ${mib(built?.textBytes)} MiB of indexed text (the searchable fields, redacted; ${built?.events ?? "?"} events): ${Number.isFinite(size) ? size.toFixed(2) : "?"} of the text (target ≤ ${TARGETS.indexSize}: ${Number.isFinite(size) ? (size <= TARGETS.indexSize ? "met" : "missed") : "?"}).`,
  );
  return [
    "### Search",
    "",
    `sessions_search over every session (limit 10, as an operator), ms, median of up to ${plan.runs}: **no index** = a new process and an empty cache dir (the scan fallback, within the default scan budget); **after index** = a new process on the cache dir \`session-events index\` filled; **server** = a process on that cache dir answering the last of ${SERVER_QUERIES} queries, the store changed before each. rg ${rgVersion ?? "(not installed)"} and grep list the files with a line holding both words (\`-il\`; rg: \`rg -il --no-ignore\`, grep: \`grep -ilE\`), which is less than ours answers (no ranking, counts or snippets).`,
    "",
    markdownTable(["query", "ours, no index", "ours, after index", "ours, server", "rg -il", "grep -il", "peak RSS MB (no index / after / server)", "check"], rows),
    "",
    ...notes.map((n) => `- ${n}`),
  ].join("\n");
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "?" : (bytes / 1024 / 1024).toFixed(1);
}

/** Whether `slow` ÷ `fast` is at least `factor` (or, `atMost`, at most 1/factor). */
function met(slow: Measurement | undefined, fast: Measurement | undefined, factor: number, atMost = false): string {
  if (slow?.medianMs === undefined || fast?.medianMs === undefined) return "?";
  const r = slow.medianMs / fast.medianMs;
  return (atMost ? r <= 1 / factor : r >= factor) ? "met" : "missed";
}

function peakOk(ms: Array<Measurement | undefined>): string {
  const peak = Math.max(...ms.map((m) => m?.maxRssMb ?? 0));
  return `${peak.toFixed(0)} MB (target < ${TARGETS.rssMb}: ${peak < TARGETS.rssMb ? "met" : "missed"})`;
}

/** The indexed answers must equal the scan's (unless the scan was cut by its budget, which it says). */
function agreement(cold: Measurement | undefined, after: Measurement | undefined, server: Measurement | undefined, rg: Measurement | undefined): string {
  const c = cold?.result as Answer | undefined;
  const a = after?.result as Answer | undefined;
  const s = server?.result as Answer | undefined;
  if (!c || !a || !s) return "NO: an answer is missing";
  if (JSON.stringify(a) !== JSON.stringify(s)) return "NO: after index and server differ";
  const files = (rg?.result as { lines?: number } | undefined)?.lines;
  const sessions = `${a.sessionsWithHits} sessions with hits${files !== undefined ? ` (rg: ${files} files)` : ""}`;
  if ((c.notes ?? []).length > 0) return `scan cut by its budget (${c.sessionsWithHits} sessions found); index: ${sessions}`;
  return JSON.stringify(c) === JSON.stringify(a) ? `same as the scan: ${sessions}` : "NO: index and scan differ";
}

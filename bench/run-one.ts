/**
 * Runs ONE benchmark query in this (child) process, `spec.repeat` times over one app context (as a
 * running server would; with `changeStoreBetweenRuns`, the store changes before each repeat, as a live
 * one does between queries), and prints one JSON line: {runs: [ms...], maxRssMb, result} — each ms is
 * one run of the query alone (imports excluded), maxRssMb the process's peak RSS over all runs,
 * result the first run's answer (a later run that answers differently is an error).
 * Usage: node dist/bench/run-one.js '<QuerySpec as JSON>' (see queries.ts); the harness spawns it.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { AppContext } from "../src/app/context.js";
import { limitHeapGrowth } from "../src/app/heap.js";
import { NAIVE_QUERIES } from "./baselines.js";
import { context, OUR_QUERIES, type QuerySpec } from "./queries.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as QuerySpec;
if (spec.query.startsWith("ours.")) limitHeapGrowth(); // as the CLI and the MCP server do at startup (baselines keep Node's defaults)
const fn = OUR_QUERIES[spec.query] ?? NAIVE_QUERIES[spec.query];
if (!fn) {
  console.error(`unknown query ${JSON.stringify(spec.query)}`);
  process.exit(2);
}
let ctx: AppContext | undefined;
const app = () => (ctx ??= context(spec));
const runs: number[] = [];
let result: unknown;
let error: string | undefined;
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
/** A file comes and goes in the store's agents dir; the watch events it makes are handled before the next run starts. */
async function changeStore(store: string): Promise<void> {
  const marker = join(store, "agents", `.bench-store-changed-${process.pid}`);
  writeFileSync(marker, "");
  rmSync(marker);
  await sleep(20);
}

const began = performance.now();
// repeats stop once the runs together pass the deadline
for (let i = 0; i < Math.max(1, spec.repeat ?? 1) && !error && !(i > 1 && performance.now() - began > spec.deadlineMs); i++) {
  if (i > 0 && spec.changeStoreBetweenRuns) await changeStore(spec.store);
  const start = performance.now();
  try {
    const answer = await fn(spec, app);
    runs.push(performance.now() - start);
    if (i === 0) result = answer;
    else if (JSON.stringify(answer) !== JSON.stringify(result)) error = `run ${i + 1} answered differently: ${JSON.stringify(answer).slice(0, 300)}`;
    if ((answer as { timedOut?: boolean } | undefined)?.timedOut) break;
  } catch (e) {
    runs.push(performance.now() - start);
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}
process.stdout.write(`${JSON.stringify({ runs, maxRssMb: maxRssMb(), result, ...(error ? { error } : {}) })}\n`);

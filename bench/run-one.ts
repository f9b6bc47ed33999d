/**
 * Runs ONE benchmark query in this (child) process and prints one JSON line:
 * {ms, maxRssMb, result} — ms is the query alone (imports excluded), maxRssMb the process's peak RSS.
 * Usage: node dist/bench/run-one.js '<QuerySpec as JSON>' (see queries.ts); the harness spawns it.
 */
import { performance } from "node:perf_hooks";
import { NAIVE_QUERIES } from "./baselines.js";
import { OUR_QUERIES, type QuerySpec } from "./queries.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as QuerySpec;
const fn = OUR_QUERIES[spec.query] ?? NAIVE_QUERIES[spec.query];
if (!fn) {
  console.error(`unknown query ${JSON.stringify(spec.query)}`);
  process.exit(2);
}
const start = performance.now();
try {
  const result = await fn(spec);
  const ms = performance.now() - start;
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, result })}\n`);
} catch (error) {
  const ms = performance.now() - start;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, error: message })}\n`);
}

import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/** How far past what a full collection left live the heap may grow before the next one, by default. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 30;
const MAX_HEAP_GROWTH_PERCENT = 400;

/**
 * Keeps the process's heap near what it holds live. A scan reads and drops hundreds of MB; left to
 * its defaults, V8 lets the heap reach about four times the live data between full collections (a
 * 50 MB working set peaked near 400 MB RSS in the benchmark), while a full collection of a heap this
 * small takes a few milliseconds. V8 reads `--heap-growing-percent` at every full collection, so
 * setting it once at startup takes effect. `SESSION_EVENTS_HEAP_GROWTH` (a percent; 0 keeps V8's own
 * heuristics) overrides the default.
 */
export function limitHeapGrowth(env: NodeJS.ProcessEnv = process.env): number {
  const percent = heapGrowthPercent(env.SESSION_EVENTS_HEAP_GROWTH);
  if (percent > 0) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
    capYoungGeneration(MAX_YOUNG_GENERATION_MB);
  }
  return percent;
}

/** The young generation (both semi-spaces) this process lets V8 grow to; V8's own cap is 32 MB (128 MB on Node 24). */
export const MAX_YOUNG_GENERATION_MB = 16;

/**
 * Stops V8's young generation growing past `mb`. A streaming read keeps it busy with lines and events
 * that live a moment, and V8 grows it to its cap (32 MB; 128 MB on Node 24), which also raises the old generation's limit
 * by as much: together about 35 MB of peak RSS on a whole-store count, for no measured speed (a walk
 * and a count ran as fast with 16 MB). The cap is a startup flag Node cannot take at runtime, but the
 * growth factor is read at each growth: so once a collection shows the young generation at `mb`,
 * growth is turned off (Node 24's V8 may still add a page or a few). Collections are reported when the event loop turns (long reads give it turns).
 * Starting a worker thread sets V8's flags back to their defaults, so in a process that starts one (the
 * full-text writer, publish's encoders) the young generation grows on to V8's cap. Keeping growth off
 * there was tried: the flag is one for the whole process, so it also froze the workers' young
 * generations where they were, and those workers set the pace (index with text ~30% slower for ~40 MB
 * less peak RSS on the 1 GB store, publish ~6% slower).
 */
function capYoungGeneration(mb: number): void {
  const youngBytes = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
  const observer = new PerformanceObserver(() => {
    if (youngBytes() < mb * 1024 * 1024) return;
    setFlagsFromString("--semi-space-growth-factor=1");
    observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}

export function heapGrowthPercent(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_HEAP_GROWTH_PERCENT;
  const percent = Number(value);
  if (!Number.isInteger(percent) || percent < 0 || percent > MAX_HEAP_GROWTH_PERCENT) {
    throw new Error(
      `SESSION_EVENTS_HEAP_GROWTH must be a whole percent from 0 (V8's own heuristics) to ${MAX_HEAP_GROWTH_PERCENT}, got ${JSON.stringify(value)}`,
    );
  }
  return percent;
}

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_YOUNG_GENERATION_MB } from "../src/app/heap.js";
import { cleanEnv, ensureBuilt, PROJECT_ROOT, run } from "./helpers/built-server.js";

const HEAP_JS = pathToFileURL(join(PROJECT_ROOT, "dist", "src", "app", "heap.js")).href;

/**
 * A process started as the CLI starts (limitHeapGrowth), then kept busy as a streaming read keeps it:
 * many short-lived objects and a steady set of recent ones surviving, with turns of the event loop.
 * It reports the largest young generation it saw.
 */
const BUSY_PROCESS = `
import { getHeapSpaceStatistics } from "node:v8";
import { setImmediate as turn } from "node:timers/promises";
const { limitHeapGrowth } = await import(${JSON.stringify(HEAP_JS)});
limitHeapGrowth();
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
let max = young();
const recent = new Array(20000);
for (let round = 0; round < 200; round++) {
  for (let i = 0; i < 20000; i++) recent[(round * 20000 + i) % recent.length] = { at: [i, round], text: "line " + i };
  max = Math.max(max, young());
  await turn();
}
console.log(JSON.stringify({ maxYoungMb: max / 1048576 }));
`;

async function largestYoungGeneration(env: Record<string, string>): Promise<number> {
  const result = await run(process.execPath, ["--input-type=module", "-e", BUSY_PROCESS], cleanEnv(env));
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { maxYoungMb: number }).maxYoungMb;
}

/**
 * Node 24's V8 can still add a few pages after growth is turned off, more on a busy machine, where the
 * collection is reported a little later (16.25 and 17.5 MB seen, and 19.5 MB once in CI; it grows to
 * 128 MB uncapped); Node 20 and 22 stop at 16 MB exactly. Uncapped, Node 20 and 22 reach 32 MB.
 */
const SLACK_MB = 4;

describe("limitHeapGrowth", () => {
  beforeAll(() => ensureBuilt());

  it("keeps V8's young generation at its cap, where V8 left to itself grows it further", async () => {
    const capped = await largestYoungGeneration({});
    const uncapped = await largestYoungGeneration({ SESSION_EVENTS_HEAP_GROWTH: "0" });
    expect(uncapped).toBeGreaterThan(MAX_YOUNG_GENERATION_MB + SLACK_MB); // the workload does make V8 grow it
    expect(capped).toBeLessThanOrEqual(MAX_YOUNG_GENERATION_MB + SLACK_MB);
  });
});

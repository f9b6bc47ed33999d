import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFatRegistryStore, buildHugeArrayStore, buildRegistryStore } from "../bench/scale-stores.js";
import { cleanEnv, ensureBuilt, MAIN_JS, run } from "./helpers/built-server.js";

/**
 * Issue 30 #12: memory follows the answer, not the input. Each case runs the built CLI in a child
 * process over a generated store whose input is far larger than the answer, and reads the child's own
 * peak RSS (reported as it exits). The bounds are generous: an idle CLI peaks near 70 MB; before the
 * change these inputs took 2-5 times the bound.
 */
const PEAK_RSS_BOUND_MB = 150;
/** Printed by the child as it exits: its peak RSS, in KiB. */
const REPORT_PEAK = `data:text/javascript,process.on("exit",()=>process.stderr.write("\\npeak-rss-kib "+process.resourceUsage().maxRSS+"\\n"))`;

let root: string;
beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(join(tmpdir(), "scale-memory-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cliPeak(args: string[]): Promise<{ stdout: string; peakMb: number }> {
  const cacheDir = join(root, `cache-${Math.random().toString(36).slice(2)}`);
  mkdirSync(cacheDir);
  const result = await run(process.execPath, ["--import", REPORT_PEAK, MAIN_JS, ...args], cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }), 120_000);
  expect(result.code, result.stderr).toBe(0);
  const peak = /peak-rss-kib (\d+)/.exec(result.stderr);
  expect(peak, result.stderr).not.toBeNull();
  return { stdout: result.stdout, peakMb: Number(peak![1]) / 1024 };
}

describe("peak memory follows the answer, not the input (built CLI, child's own peak RSS)", () => {
  it(`lists and pages a session of an 80 MB sessions.json of real-sized entries under ${PEAK_RSS_BOUND_MB} MB`, async () => {
    const store = buildFatRegistryStore(join(root, "fat"), 80);
    expect(store.bytes).toBeGreaterThan(70 * 1024 * 1024);
    const page = await cliPeak(["--store", store.dir, "query", "-s", store.key, "--json"]);
    expect((JSON.parse(page.stdout) as { events: unknown[] }).events).toHaveLength(2);
    expect(page.peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
  }, 180_000);

  it(`pages a transcript with lines of millions of array items and characters under ${PEAK_RSS_BOUND_MB} MB`, async () => {
    // a line of 3M numbers, then one of a 6M-character string, one of 6M numbers and one of 750k objects
    const store = buildHugeArrayStore(join(root, "huge"), { arrayItems: 3_000_000, hugeItems: [6_000_000] });
    const page = await cliPeak(["--store", store.dir, "query", "-s", store.key, "--json"]);
    const events = (JSON.parse(page.stdout) as { events: Array<{ type: string }> }).events;
    expect(events.map((e) => e.type)).toEqual(["session_start", "message", "tool_result", "tool_result", "tool_result", "tool_result"]);
    expect(page.peakMb).toBeLessThan(PEAK_RSS_BOUND_MB);
  }, 180_000);

  it("answers the first page over every session of a 60k-entry registry, most of whose transcripts are missing, under 250 MB", async () => {
    // (before: every session without a transcript was read as an empty one, and each left its state behind)
    const store = buildRegistryStore(join(root, "many"), { entries: 60_000, fat: false, withTranscripts: 20 });
    const page = await cliPeak(["--store", store.dir, "query", "*", "-n", "50", "--json"]);
    const answer = JSON.parse(page.stdout) as { events: Array<{ sessionId: string }>; notes: string[] };
    expect(answer.events.length).toBeGreaterThan(0);
    expect(answer.notes.some((n) => n.includes("is missing"))).toBe(true);
    expect(page.peakMb).toBeLessThan(250);
  }, 180_000);
});

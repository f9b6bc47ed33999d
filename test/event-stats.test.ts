import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventType } from "../src/contract/event.js";
import { addEvent, mergeStats, newStats, statsKey, StatsSum, wholeStatsKey, type EventStats } from "../src/sources/index/event-stats.js";
import type { SourceEvent } from "../src/sources/session.js";

const HOUR = 3_600_000;
const types: EventType[] = ["message", "tool_call", "tool_result", "tool_error", "error"];

const keyParts = fc.record({
  type: fc.constantFrom(...types),
  tool: fc.option(fc.constantFrom("read", "exec", "web_fetch", "ääh"), { nil: undefined }),
  model: fc.option(fc.constantFrom("opus", "sonnet", "gpt"), { nil: undefined }),
  timestamp: fc.integer({ min: 0, max: 20 * HOUR }),
});

/** Stats of a few random events (counts, times, usage, durations). */
const stats = fc
  .array(
    fc.record({
      type: fc.constantFrom(...types),
      timestamp: fc.integer({ min: 1, max: 1e6 }),
      durationMs: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
      input: fc.integer({ min: 0, max: 1000 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((events) => {
    const out = newStats();
    for (const e of events) {
      const payload = e.type === "message" ? { usage: { input: e.input, output: 1, cost: 0.5 } } : { durationMs: e.durationMs };
      addEvent(out, { type: e.type, timestamp: e.timestamp, payload } as unknown as SourceEvent);
    }
    return out;
  });

/** Stats with their duration buckets in order, so two equal sums compare equal whatever order buckets were met in. */
function canonical(s: EventStats): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 9; i < s.length; i += 2) pairs.push([s[i]!, s[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  return [...s.slice(0, 9), ...pairs.flat()];
}

describe("event stats", () => {
  it("makes each event's key from its own type, tool, model and hour, whatever keys came before", () => {
    fc.assert(
      fc.property(fc.array(keyParts, { maxLength: 60 }), (events) => {
        for (const { type, tool, model, timestamp } of events) {
          const key = statsKey(type, tool, model, timestamp);
          expect(key).toBe(`${type}\t${tool ?? ""}\t${model ?? ""}\t${Math.floor(timestamp / HOUR) * HOUR}`);
          expect(wholeStatsKey(key)).toBe(`${type}\t${tool ?? ""}\t${model ?? ""}\t0`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("sums many stats into what merging them one by one gives", () => {
    fc.assert(
      fc.property(fc.array(stats, { minLength: 1, maxLength: 30 }), (all) => {
        const merged = newStats();
        const sum = new StatsSum();
        for (const s of all) {
          mergeStats(merged, s);
          sum.add(s);
        }
        expect(canonical(sum.result())).toEqual(canonical(merged));
      }),
      { numRuns: 200 },
    );
  });
});

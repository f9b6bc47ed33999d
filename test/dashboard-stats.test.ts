/** The dashboard's per-session counts from groupBy answers: 0 only where the answer was complete. */
import { describe, expect, it } from "vitest";
import type { Group } from "../src/contract/groups.js";
import { GROUP_LIMIT, statsFrom } from "../web/src/session-stats.js";

const group = (session: string, count: number, extra: Partial<Group> = {}): Group => ({
  key: { session },
  count,
  firstTimestamp: 1,
  lastTimestamp: 2,
  first: new Date(1).toISOString(),
  last: new Date(2).toISOString(),
  errors: 0,
  ...extra,
});

describe("statsFrom", () => {
  it("reads each count from its answer and gives 0 to a session a complete answer does not name", () => {
    const table = statsFrom([group("a", 9, { errors: 2, tokens: { input: 1, output: 2, total: 3 }, costUsd: 0.5, lastTimestamp: 7 })], [group("a", 4)], []);
    expect(table.complete).toBe(true);
    expect(table.get("a")).toEqual({ messages: 4, tools: 0, errors: 2, tokens: 3, costUsd: 0.5, lastTimestamp: 7 });
    expect(table.get("b")).toEqual({ messages: 0, tools: 0, errors: 0, tokens: 0, costUsd: 0, lastTimestamp: 0 });
  });

  it("leaves unknown (not 0) what an answer cut at the groupBy cap does not name", () => {
    const many = Array.from({ length: GROUP_LIMIT }, (_, i) => group(`s${i}`, 1000 - i));
    const table = statsFrom(many, [group("s0", 5)], many);
    expect(table.complete).toBe(false);
    expect(table.get("s0")).toMatchObject({ messages: 5, tools: 1000, errors: 0 });
    expect(table.get("s20")).toMatchObject({ messages: 0, tools: 980, errors: 0 });
    expect(table.get("elsewhere")).toMatchObject({ messages: 0, tools: undefined, errors: undefined, tokens: undefined, costUsd: undefined });
  });
});

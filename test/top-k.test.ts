import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopK } from "../src/engine/top-k.js";

type Item = { rank: number; weight: number };

/** The definition TopK must meet: the k best, and of those what fits the capacity plus one more (at least two). */
function bestOf(items: Item[], k: number, capacity: number): Item[] {
  const sorted = [...items].sort((a, b) => a.rank - b.rank).slice(0, k);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sum > capacity && i >= 2) return sorted.slice(0, i);
    sum += sorted[i]!.weight;
  }
  return sorted;
}

const streams = fc.record({
  ranks: fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 400 }),
  weights: fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 400, maxLength: 400 }),
  k: fc.integer({ min: 1, max: 60 }),
  capacity: fc.integer({ min: 1, max: 50_000 }),
});

describe("TopK", () => {
  it("keeps exactly the best items that fit, whatever order they come in, and refuses only items that cannot make it", () => {
    fc.assert(
      fc.property(streams, ({ ranks, weights, k, capacity }) => {
        const items = ranks.map((rank, i) => ({ rank, weight: weights[i]! }));
        const top = new TopK<Item>(k, (a, b) => a.rank - b.rank, (item) => item.weight, capacity);
        const refused = items.filter((item) => !top.push(item));
        const expected = bestOf(items, k, capacity);
        expect(top.sorted()).toEqual(expected);
        const kept = new Set(expected);
        expect(refused.filter((item) => kept.has(item))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("weighs each item at most once, and leaves unweighed the items pushed out by better ones before the set is cut back", () => {
    // as a page over many sessions is collected: each session's items come in order, and its read
    // stops at the first item that cannot make the page
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sessions = Array.from({ length: 44 }, (_, s) =>
      Array.from({ length: 40 }, () => Math.floor(random() * 1_000_000) * 100 + s).sort((a, b) => a - b),
    );
    const weighed = new Map<number, number>();
    const top = new TopK<Item>(501, (a, b) => a.rank - b.rank, (item) => {
      weighed.set(item.rank, (weighed.get(item.rank) ?? 0) + 1);
      return item.weight;
    }, 48_000);
    const offered: Item[] = [];
    let accepted = 0;
    for (const ranks of sessions) {
      for (const rank of ranks) {
        const item = { rank, weight: 900 + (rank % 400) };
        offered.push(item);
        if (!top.push(item)) break;
        accepted++;
      }
    }
    expect(top.sorted()).toEqual(bestOf(offered, 501, 48_000));
    expect(Math.max(...weighed.values())).toBe(1);
    // weighing every item pushed (as TopK once did) weighs `accepted`; this stream lets more than a third go unweighed
    expect(weighed.size).toBeLessThan(accepted * 0.67);
  });
});

import { describe, expect, it } from "vitest";
import { IndexStore, type CachedRun } from "../src/sources/index/index-store.js";
import type { SourceEvent } from "../src/sources/session.js";
import type { NormalizerState } from "../src/sources/transcript/normalize.js";

const state = {} as NormalizerState;
const event = (seq: number) => ({ seq }) as unknown as SourceEvent;

/** A run of `n` lines of 100 bytes each, from offset 0. */
function run(n: number): CachedRun {
  const lines = Array.from({ length: n }, (_, i) => ({ at: i * 100, bytes: 100, events: [event(i)], skipped: undefined }));
  return { owner: "o", lines, next: n * 100, state, bytes: n * 100 };
}

describe("the cache of lines a read turned into events", () => {
  it("gives back the lines from where the next read starts", () => {
    const store = new IndexStore(undefined);
    store.cacheRun("t", run(5));
    expect(store.cachedRun("t", "o", 200)?.lines.map((l) => l.at)).toEqual([200, 300, 400]);
    expect(store.cachedRun("t", "other owner", 200)).toBeUndefined();
  });

  it("drops the lines before a saved resume point: the walk that saved it goes on from there", () => {
    const store = new IndexStore(undefined);
    store.cacheRun("t", run(5));
    store.addResume("t", { at: 300, state });
    expect(store.cachedRun("t", "o", 0)).toBeUndefined();
    expect(store.cachedRun("t", "o", 200)).toBeUndefined();
    const kept = store.cachedRun("t", "o", 300);
    expect(kept?.lines.map((l) => l.at)).toEqual([300, 400]);
    expect(kept?.bytes).toBe(200);
    expect(kept?.next).toBe(500);
  });

  it("forgets a run wholly before the resume point, and keeps one that starts at or after it", () => {
    const store = new IndexStore(undefined);
    store.cacheRun("t", run(3));
    store.addResume("t", { at: 300, state });
    expect(store.cachedRun("t", "o", 0)).toBeUndefined();
    store.cacheRun("u", run(3));
    store.addResume("u", { at: 0, state });
    expect(store.cachedRun("u", "o", 0)?.lines).toHaveLength(3);
  });

  it("counts trimmed runs by what they still hold: the budget then keeps more of them", () => {
    const store = new IndexStore(undefined);
    // 20 runs of 20 x 10 KiB = 4 MiB: the whole budget
    const big = (): CachedRun => {
      const lines = Array.from({ length: 20 }, (_, i) => ({ at: i * 10_240, bytes: 10_240, events: [event(i)], skipped: undefined }));
      return { owner: "o", lines, next: 20 * 10_240, state, bytes: 20 * 10_240 };
    };
    for (let i = 0; i < 20; i++) {
      store.cacheRun(`t${i}`, big());
      store.addResume(`t${i}`, { at: 19 * 10_240, state }); // its page used all but the last line
    }
    store.cacheRun("last", big());
    // trimmed, the first runs still fit beside the new one
    expect(store.cachedRun("t0", "o", 19 * 10_240)?.lines).toHaveLength(1);
  });
});

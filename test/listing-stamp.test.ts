/**
 * The stamp of what a store's set of sessions depends on, and the listing cache's use of it: a watch
 * set up after the first listing, or whose event comes late, must not let a stale listing be reused.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ListingCache } from "../src/sources/listing-cache.js";
import { statStamp } from "../src/sources/listing-stamp.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "listing-stamp-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Waits until the kernel's file times of `dir` are safely in the past (past the racy window). */
const settle = () => sleep(30);

describe("a session set's stamp", () => {
  it("is the same while nothing changes, and moves when a file comes or a watched file is rewritten", async () => {
    const registry = join(dir, "sessions.json");
    writeFileSync(registry, "{}");
    await settle();
    const paths = [dir, registry];
    const before = statStamp(paths);
    expect(statStamp(paths)).toBe(before);
    writeFileSync(join(dir, "new.jsonl"), "{}\n");
    await settle();
    const created = statStamp(paths);
    expect(created).not.toBe(before);
    writeFileSync(registry, '{"a":1}');
    await settle();
    expect(statStamp(paths)).not.toBe(created);
  });

  it("taken right after a change, waits out the clock's grain: an equal stamp then means unchanged", () => {
    const registry = join(dir, "sessions.json");
    writeFileSync(registry, "{}");
    const first = statStamp([registry, dir]);
    expect(statStamp([registry, dir])).toBe(first);
    writeFileSync(registry, "{}\n");
    expect(statStamp([registry, dir])).not.toBe(first);
  });

  it("equals no other while a path's times are not safely past (file times have a coarse grain)", () => {
    const registry = join(dir, "sessions.json");
    writeFileSync(registry, "{}");
    const future = new Date(Date.now() + 60_000);
    utimesSync(registry, future, future);
    expect(statStamp([registry])).not.toBe(statStamp([registry]));
  });
});

describe("the listing cache", () => {
  it("lists again when a session came while the first listing ran (before any watch was set up)", async () => {
    await settle();
    let listings = 0;
    const listing = async () => {
      listings++;
      // the store gains a session after the listing read it, before the cache watches the dir
      if (listings === 1) writeFileSync(join(dir, "new.jsonl"), "{}\n");
      return { sessions: [], warnings: [] };
    };
    const cache = new ListingCache(listing, () => [dir], () => statStamp([dir]));
    await cache.get();
    await settle();
    await cache.get();
    expect(listings).toBe(2);
  });
});

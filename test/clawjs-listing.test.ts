/**
 * Listing a large ClawJS workspace (issue 30 #8): a listing slower than its reuse window was never
 * reused (its age counted from its start), and each listing read every conversation's head and tail.
 * Work is counted (directories and files read), not timed.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClawJsSource } from "../src/sources/clawjs/clawjs-source.js";
import { ListingCache } from "../src/sources/listing-cache.js";

const T0 = Date.parse("2026-08-03T09:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
let root: string;
let conversations: string;

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const conversation = (id: string, title: string, s: number) =>
  line({ type: "session", id, timestamp: at(s), title }) + line({ type: "message", id: "m1", timestamp: at(s + 1), message: { role: "user", content: "hello" } });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "clawjs-listing-"));
  conversations = join(root, ".clawjs", "conversations");
  mkdirSync(conversations, { recursive: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

describe("a ClawJS workspace of 5,000 conversations", () => {
  it("is listed again reading only what changed: the dir when files came or went, a file when it changed", async () => {
    for (let i = 0; i < 5000; i++) writeFileSync(join(conversations, `c${i}.jsonl`), conversation(`c${i}`, `title ${i}`, i));
    const source = new ClawJsSource(root);
    const first = await source.list();
    expect(first.sessions).toHaveLength(5000);
    expect(source.work).toEqual({ dirsRead: 1, filesOpened: 5000 });

    const unchanged = await source.list();
    expect(unchanged.sessions.map((s) => [s.sessionId, s.label, s.updatedAt])).toEqual(first.sessions.map((s) => [s.sessionId, s.label, s.updatedAt]));
    expect(source.work).toEqual({ dirsRead: 1, filesOpened: 5000 });

    appendFileSync(join(conversations, "c7.jsonl"), line({ type: "message", id: "m2", timestamp: at(9000), message: { role: "assistant", content: "later" } }));
    writeFileSync(join(conversations, "new.jsonl"), conversation("new", "a new one", 9500));
    rmSync(join(conversations, "c9.jsonl"));
    const changed = await source.list();
    expect(source.work).toEqual({ dirsRead: 2, filesOpened: 5002 });
    const byId = new Map(changed.sessions.map((s) => [s.sessionId, s]));
    expect(byId.size).toBe(5000);
    expect(byId.get("c7")?.updatedAt).toBe(T0 + 9000 * 1000);
    expect(byId.get("new")?.label).toBe("a new one");
    expect(byId.has("c9")).toBe(false);
  }, 60_000);
});

describe("a listing's reuse window", () => {
  it("counts from when the listing was done, so a listing slower than the window is still reused", async () => {
    let clock = T0;
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    let listings = 0;
    const cache = new ListingCache(async () => {
      listings++;
      clock += 6000; // a listing that takes longer than the reuse window
      return { sessions: [], warnings: [] };
    }, () => [conversations]);
    await cache.get();
    clock += 1000;
    await cache.get();
    expect(listings).toBe(1);
  });

  it("is not trusted when a change was reported while the listing ran", async () => {
    let listings = 0;
    let writeDuringListing = false;
    const cache = new ListingCache(async () => {
      listings++;
      if (writeDuringListing) {
        writeFileSync(join(conversations, `during-${listings}.jsonl`), "{}\n");
        await sleep(200); // the watch reports it while the listing is still running
      }
      return { sessions: [], warnings: [] };
    }, () => [conversations]);
    await cache.get(); // (starts watching)
    writeDuringListing = true;
    writeFileSync(join(conversations, "before.jsonl"), "{}\n");
    await sleep(200);
    await cache.get(); // lists again, and a file comes meanwhile
    writeDuringListing = false;
    await cache.get();
    expect(listings).toBe(3);
  });
});

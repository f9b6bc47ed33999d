/**
 * fork through the built CLI: the new transcript, read back by our own reader, gives the original's
 * events up to N on the active branch (same types, payloads, times); lines are copied verbatim; the
 * original store is unchanged; operators only, never into a store, never over a file without --force.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, compactionLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-10-01T08:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;
const withIds = (line: Record<string, unknown>, id: string, parentId: string | null) => ({ ...line, id, parentId });

let store: TempStateDir;
let dir: string;
let env: Record<string, string>;

const LINEAR = [
  header("linear", T0, { cwd: "/home/ada/project" }),
  withIds(userLine(s(1), "Read the config"), "a1", null),
  withIds(assistantLine(s(2), [text("Reading it."), toolCall("c1", "read", { path: "config.json" })]), "a2", "a1"),
  withIds(toolResultLine(s(3), "c1", "read", '{"port": 8080}'), "a3", "a2"),
  withIds(assistantLine(s(2.5), [text("Port 8080 (this line's clock stepped back).")]), "a4", "a3"),
  withIds(compactionLine(s(5), "summary", 1000, "a3"), "a5", "a4"),
  withIds(userLine(s(6), "Now change it"), "a6", "a5"),
];
/** As written to disk: one line spaced as another writer spaces it, so a re-serialized copy would differ. */
const LINEAR_TEXT = LINEAR.map((line, i) => (i === 4 ? JSON.stringify(line).replace(/":/g, '": ') : JSON.stringify(line)));
// a6 then a rewind: b3 continues from a2, so a3..a6 are off the active branch of b4
const BRANCHED = [
  header("branched", T0),
  withIds(userLine(s(1), "first"), "a1", null),
  withIds(assistantLine(s(2), [text("one")]), "a2", "a1"),
  withIds(userLine(s(3), "abandoned"), "a3", "a2"),
  withIds(assistantLine(s(4), [text("abandoned answer")]), "a4", "a3"),
  withIds(userLine(s(5), "second try"), "b3", "a2"),
  withIds(assistantLine(s(6), [text("two")]), "b4", "b3"),
];

function digest(root: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${path}\u0000${statSync(path).mtimeMs}\u0000`).update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest("hex");
}

async function eventsOf(root: string, sessionKey: string): Promise<SessionEvent[]> {
  return (await querySessionEvents(contextFor(root, { clearance: "confidential" }), { sessionKey, limit: 500, maxFieldChars: 100_000 })).events;
}

/** Puts a fork file into a state dir of its own, as OpenClaw would find it, and reads its events. */
async function readBack(file: string): Promise<{ header: Record<string, unknown>; events: SessionEvent[] }> {
  const text = readFileSync(file, "utf8");
  const head = JSON.parse(text.split("\n")[0]!) as Record<string, unknown>;
  const other = new TempStateDir("fork-readback-");
  try {
    other.registry("main", { "agent:main:forked": { sessionId: head.id, updatedAt: Date.now() } });
    writeFileSync(join(other.sessionsDir("main"), `${String(head.id)}.jsonl`), text);
    return { header: head, events: await eventsOf(other.root, "agent:main:forked") };
  } finally {
    other.remove();
  }
}

const comparable = (e: SessionEvent) => ({ type: e.type, payload: e.payload, timestamp: e.timestamp });

beforeAll(() => {
  ensureBuilt();
  store = new TempStateDir("fork-store-");
  store.registry("main", { "agent:main:linear": { sessionId: "linear", updatedAt: s(10) }, "agent:main:branched": { sessionId: "branched", updatedAt: s(10) } });
  store.transcript("main", "linear.jsonl", LINEAR_TEXT);
  store.transcript("main", "branched.jsonl", BRANCHED);
  dir = mkdtempSync(join(tmpdir(), "fork-out-"));
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(dir, "cache") });
}, 180_000);
afterAll(() => {
  store?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("fork", () => {
  it("gives the original's events up to N, lines verbatim, a new header naming the original; the store unchanged", async () => {
    const before = digest(store.root);
    const original = await eventsOf(store.root, "agent:main:linear");
    const atSeq = original.find((e) => e.type === "compaction")!.seq;
    const out = join(dir, "linear-fork.jsonl");
    const started = Date.now();
    const result = await runCli(["fork", "--store", store.root, "--session", "agent:main:linear", "--at-seq", String(atSeq), "--out", out], env);
    expect(result.code, result.stderr).toBe(0);
    const { header: head, events } = await readBack(out);
    expect(head.id).not.toBe("linear");
    expect(head.parentSession).toBe(join(store.sessionsDir("main"), "linear.jsonl"));
    expect(head.version).toBe(3);
    expect(head.cwd).toBe("/home/ada/project");
    expect(Date.parse(String(head.timestamp))).toBeGreaterThanOrEqual(started - 1000);
    const upToN = original.filter((e) => e.seq <= atSeq);
    expect(events.map((e) => e.seq)).toEqual(upToN.map((e) => e.seq));
    expect(events.slice(1).map(comparable)).toEqual(upToN.slice(1).map(comparable));
    expect(events[0]!.type).toBe("session_start");
    const written = readFileSync(out, "utf8").trim().split("\n");
    expect(written.slice(1)).toEqual(LINEAR_TEXT.slice(1, 6));
    expect(written[4]).toContain('"role": "assistant"');
    expect(digest(store.root)).toBe(before);
  });

  it("keeps only the active branch: the parent chain from the line holding N back to the root", async () => {
    const original = await eventsOf(store.root, "agent:main:branched");
    const last = original.find((e) => e.payload.text === "two")!;
    const out = join(dir, "branched-fork.jsonl");
    const result = await runCli(["fork", "--store", store.root, "--session", "branched", "--at-seq", String(last.seq), "--out", out], env);
    expect(result.code, result.stderr).toBe(0);
    const { events } = await readBack(out);
    expect(events.filter((e) => e.type === "message").map((e) => e.payload.text)).toEqual(["first", "one", "second try", "two"]);
    const onBranch = original.filter((e) => e.type === "message" && !String(e.payload.text).startsWith("abandoned"));
    expect(events.filter((e) => e.type === "message").map(comparable)).toEqual(onBranch.map(comparable));
  });

  it("refuses a caller, an --out inside a store (through a symlink too), an existing file without --force, an event that is not there", async () => {
    const args = (out: string, extra: string[] = []) => ["fork", "--store", store.root, "--session", "agent:main:linear", "--at-seq", "3", "--out", out, ...extra];
    const before = digest(store.root);
    const caller = await runCli([...args(join(dir, "c.jsonl")), "--caller", "agent:main:linear"], env);
    expect([caller.code, caller.stderr]).toEqual([2, expect.stringMatching(/operator/)]);
    const inside = await runCli(args(join(store.sessionsDir("main"), "fork.jsonl")), env);
    expect([inside.code, inside.stderr]).toEqual([2, expect.stringMatching(/inside the store/)]);
    const link = join(dir, "link-to-store");
    symlinkSync(store.root, link);
    const viaLink = await runCli(args(join(link, "fork.jsonl")), env);
    expect([viaLink.code, viaLink.stderr]).toEqual([2, expect.stringMatching(/inside the store/)]);
    const overStore = await runCli(args(join(store.sessionsDir("main"), "linear.jsonl"), ["--force"]), env);
    expect([overStore.code, overStore.stderr]).toEqual([2, expect.stringMatching(/inside the store/)]);
    const existing = join(dir, "existing.jsonl");
    writeFileSync(existing, "keep me\n");
    const noForce = await runCli(args(existing), env);
    expect([noForce.code, noForce.stderr]).toEqual([2, expect.stringMatching(/--force/)]);
    expect(readFileSync(existing, "utf8")).toBe("keep me\n");
    expect((await runCli(args(existing, ["--force"]), env)).code).toBe(0);
    expect(readFileSync(existing, "utf8")).not.toBe("keep me\n");
    // a dangling symlink into the store is replaced, never followed
    const dangling = join(dir, "dangling.jsonl");
    symlinkSync(join(store.sessionsDir("main"), "planted.jsonl"), dangling);
    expect((await runCli(args(dangling, ["--force"]), env)).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(false);
    const missing = await runCli(["fork", "--store", store.root, "--session", "agent:main:linear", "--at-seq", "999", "--out", join(dir, "m.jsonl")], env);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no transcript line holding event 999/)]);
    const noDir = await runCli(args(join(dir, "no", "such", "dir.jsonl")), env);
    expect(noDir.code).toBe(2);
    expect(digest(store.root)).toBe(before);
  });
});

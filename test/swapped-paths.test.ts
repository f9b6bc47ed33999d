/**
 * A path checked when it was listed is not trusted when it is read (issue 30 #2): whoever can write
 * the directory (a ClawJS workspace is the agent's own) may swap a file, or a directory above it,
 * for a link, a FIFO or a device between the two. What is opened is checked, and only it is read.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { ListingFs } from "../src/sources/paths.js";
import { FileRead } from "../src/sources/transcript/file-read.js";
import { withoutTurns } from "../src/sources/transcript/turns.js";
import { cleanEnv, connectServer, ensureBuilt } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { header, userLine } from "./helpers/pi-lines.js";

const T0 = Date.parse("2026-08-02T09:00:00Z");
const BAIT = "BAIT-7c1e-SWAPPED-IN";
const OWN = "OWN-9a40-CONVERSATION";

const transcript = (id: string, mark: string) => [header(id, T0), userLine(T0 + 1000, `user ${mark}`)].map((l) => `${JSON.stringify(l)}\n`).join("");

let outside: string;
let root: string;
let conversations: string;

beforeEach(() => {
  outside = mkdtempSync(join(tmpdir(), "swap-outside-"));
  writeFileSync(join(outside, "c.jsonl"), transcript("c", BAIT));
  root = mkdtempSync(join(tmpdir(), "swap-ws-"));
  conversations = join(root, ".clawjs", "conversations");
  mkdirSync(conversations, { recursive: true });
  // a conversation that links elsewhere in the workspace: allowed, and outside the watched dir
  mkdirSync(join(root, "notes"));
  writeFileSync(join(root, "notes", "c.jsonl"), transcript("c", OWN));
  symlinkSync(join("..", "..", "notes", "c.jsonl"), join(conversations, "c.jsonl"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Replaces `path` by a symlink to `target`, in one rename (as an attacker would, to win a race). */
function swapForLink(path: string, target: string): void {
  symlinkSync(target, `${path}.new`);
  renameSync(`${path}.new`, path);
}

describe("a path swapped between a listing and a read", () => {
  it("a link's target swapped for a link out of the workspace: a running context reads nothing of it", async () => {
    const ctx = contextFor(`clawjs:${root}`, { clearance: "confidential" });
    expect(JSON.stringify(await querySessionsEvents(ctx, { limit: 500 }))).toContain(OWN); // listed, and kept
    swapForLink(join(root, "notes", "c.jsonl"), join(outside, "c.jsonl"));
    const page = await querySessionsEvents(ctx, { limit: 500 });
    expect(JSON.stringify(page)).not.toContain(BAIT);
  });

  it("a directory above the conversation swapped for a link out of the workspace: nothing of it is read", async () => {
    const ctx = contextFor(`clawjs:${root}`, { clearance: "confidential" });
    expect(JSON.stringify(await querySessionsEvents(ctx, { limit: 500 }))).toContain(OWN);
    rmSync(join(root, "notes"), { recursive: true });
    symlinkSync(outside, join(root, "notes")); // notes/c.jsonl is now the bait, and no link at its last component
    const page = await querySessionsEvents(ctx, { limit: 500 });
    expect(JSON.stringify(page)).not.toContain(BAIT);
  });

  it("an OpenClaw transcript swapped for a link after it was resolved is read as missing", () => {
    const sessions = mkdtempSync(join(tmpdir(), "swap-sessions-"));
    try {
      writeFileSync(join(sessions, "m.jsonl"), transcript("m", OWN));
      const read = new FileRead(sessions, join(sessions, "m.jsonl"), new ListingFs());
      expect(read.realPath()).toBeDefined();
      swapForLink(join(sessions, "m.jsonl"), join(outside, "c.jsonl"));
      expect([...withoutTurns(read.lines(0))]).toEqual([]);
      expect(read.firstLine()).toBeUndefined();
      expect(read.fingerprint(10)).toBe("missing");
      expect(read.end()).toBe(0);
    } finally {
      rmSync(sessions, { recursive: true, force: true });
    }
  });

  // (as found: a FIFO swapped in, and a page that ran out of its scan budget on a larger conversation
  // looked at the FIFO's first line to end there, and the server hung for good)
  it("a FIFO swapped in after the listing hangs nothing: the running server answers, and keeps answering", async () => {
    ensureBuilt();
    const big = [header("big", T0 - 3_600_000), ...Array.from({ length: 3000 }, (_, i) => userLine(T0 - 3_600_000 + i, `filler ${"x".repeat(600)}`))];
    writeFileSync(join(conversations, "big.jsonl"), big.map((l) => `${JSON.stringify(l)}\n`).join(""));
    utimesSync(join(conversations, "big.jsonl"), new Date("2020-01-01"), new Date("2020-01-01")); // read first
    const config = join(root, "config.json");
    writeFileSync(config, JSON.stringify({ scanBudgetMB: 1 }));
    const cache = join(root, "cache");
    const args = ["--store", `clawjs:${root}`, "--clearance", "confidential", "--config", config];
    const server = await connectServer(args, cleanEnv({ SESSION_EVENTS_CACHE_DIR: cache }));
    const call = async (args: Record<string, unknown>) =>
      (await server.client.callTool({ name: "sessions_events", arguments: args }, undefined, { timeout: 10_000 })) as CallToolResult;
    try {
      expect(JSON.stringify(await call({ limit: 500, types: ["message"], sessionKey: "agent:clawjs:c" }))).toContain(OWN);
      rmSync(join(root, "notes", "c.jsonl"));
      execFileSync("mkfifo", [join(root, "notes", "c.jsonl")]);
      // the filler matches no compaction: the big conversation is read whole, past the budget, and the
      // page ends where the other conversation's first event could be
      const budgeted = await call({ limit: 500, types: ["compaction"] });
      expect(budgeted.isError).not.toBe(true);
      expect(JSON.stringify(budgeted)).toContain("scanBudget");
      const page = await call({ limit: 500 });
      expect(page.isError).not.toBe(true);
      expect(JSON.stringify(page)).not.toContain(OWN);
      expect((await call({ limit: 5, groupBy: ["session"] })).isError).not.toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);
});

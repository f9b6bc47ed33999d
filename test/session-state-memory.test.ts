/**
 * session_state's memory follows the state, not the log (issue 30, finding 1): the built CLI replays a
 * generated 200k-event transcript in a child process whose own peak RSS (VmHWM) must stay small.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { TempStateDir } from "./helpers/temp-store.js";

const MAIN = "agent:main:main";
const TURNS = 100_000; // two events a turn: 200k events, ~55 MB of transcript
const T0 = Date.parse("2026-05-04T10:00:00Z");
/** The replay that kept every shaped event peaked near 380 MB on this log; the fixed one near 140 MB (of it ~20 MB the entry tree). */
const PEAK_RSS_BOUND_MB = 250;

let store: TempStateDir;
let cacheDir: string;

/** Writes the transcript in large chunks, each line a pi v3 entry chained to the one before. */
function writeLongTranscript(path: string): void {
  const fd = openSync(path, "w");
  try {
    const prose = "lorem ipsum dolor sit amet consectetur adipiscing elit ".repeat(4);
    let chunk = `${JSON.stringify({ type: "session", version: 3, id: "s-long", timestamp: new Date(T0).toISOString(), cwd: "/w" })}\n`;
    let parent: string | null = null;
    for (let i = 0; i < TURNS; i++) {
      const ts = T0 + 1000 * (i + 1);
      const time = new Date(ts).toISOString();
      const user = `u${i.toString(16).padStart(7, "0")}`;
      const reply = `a${i.toString(16).padStart(7, "0")}`;
      chunk += `${JSON.stringify({ type: "message", id: user, parentId: parent, timestamp: time, message: { role: "user", content: `${i} ${prose}`, timestamp: ts } })}\n`;
      chunk += `${JSON.stringify({
        type: "message",
        id: reply,
        parentId: user,
        timestamp: time,
        message: { role: "assistant", content: [{ type: "text", text: `${i} ${prose}` }], provider: "anthropic", model: "claude-sonnet-4-5", stopReason: "stop", usage: { input: 3, output: 2, totalTokens: 5 } },
      })}\n`;
      parent = reply;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = "";
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

beforeAll(() => {
  ensureBuilt();
  store = new TempStateDir();
  cacheDir = mkdtempSync(join(tmpdir(), "session-events-memory-cache-"));
  store.registry("main", { [MAIN]: { sessionId: "s-long", updatedAt: T0 + 1000 * TURNS } });
  writeLongTranscript(join(store.sessionsDir("main"), "s-long.jsonl"));
}, 60_000);
afterAll(() => {
  store?.remove();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

/** Prints the process's peak RSS to stderr as it exits (read from its own /proc status). */
const REPORT_PEAK = `data:text/javascript,${encodeURIComponent(
  'import { readFileSync } from "node:fs"; process.on("exit", () => { const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8")); process.stderr.write(`\\npeak-rss-kb=${m ? m[1] : "?"}\\n`); });',
)}`;

describe.runIf(process.platform === "linux")("session_state replay memory", () => {
  it("a 200k-event replay peaks far below the log's size, and the state is exact", async () => {
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir, NODE_OPTIONS: `--import=${REPORT_PEAK}` });
    const result = await runCli(["state", "--store", store.root, "--caller", MAIN, "--session", MAIN, "--last-messages", "3", "--json"], env, 60_000);
    expect(result.code, result.stderr).toBe(0);
    const peakKb = Number(/peak-rss-kb=(\d+)/.exec(result.stderr)?.[1]);
    expect(peakKb, result.stderr).toBeGreaterThan(0);
    const state = JSON.parse(result.stdout);
    expect(state).toMatchObject({ eventsProjected: 2 * TURNS + 1, messagesInContext: 2 * TURNS, totals: { messages: { user: TURNS, assistant: TURNS } } });
    expect(state.lastMessages.map((m: { entryId: string }) => m.entryId)).toEqual([
      `a${(TURNS - 2).toString(16).padStart(7, "0")}`,
      `u${(TURNS - 1).toString(16).padStart(7, "0")}`,
      `a${(TURNS - 1).toString(16).padStart(7, "0")}`,
    ]);
    console.log(`session_state peak RSS: ${Math.round(peakKb / 1024)} MB`);
    expect(peakKb / 1024).toBeLessThan(PEAK_RSS_BOUND_MB);
  }, 90_000);
});

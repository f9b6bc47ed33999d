/**
 * A scratch store for the single-huge-line check: a copy of a small generated session whose last line
 * is a tool result with one enormous text (default 50 MB), as a `read` of a big log file would give.
 */
import { appendFileSync, copyFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionFacts } from "./generate-store.js";
import { Rng, buildPools, fill } from "./gen-random.js";

export type HugeLineStore = { dir: string; key: string; path: string; lineBytes: number; textChars: number };

export function buildHugeLineStore(dir: string, small: SessionFacts, textMb: number, seed: number): HugeLineStore {
  rmSync(dir, { recursive: true, force: true });
  const sessions = join(dir, "agents", "main", "sessions");
  mkdirSync(sessions, { recursive: true });
  const path = join(sessions, `${small.sessionId}.jsonl`);
  copyFileSync(small.path, path);
  const rng = new Rng(seed ^ 0x50);
  const text = fill(rng, buildPools(seed).logLines, textMb * 1024 * 1024, "\n");
  const at = Date.now() - 60_000;
  const call = { id: `toolu_${rng.base62(24)}`, name: "read", args: { path: "logs/app.log" } };
  const assistant = {
    type: "message", id: "ffff0001", parentId: null, timestamp: new Date(at).toISOString(),
    message: { role: "assistant", content: [{ type: "toolCall", id: call.id, name: call.name, arguments: call.args }], api: "anthropic-messages", provider: "anthropic", model: "claude-sonnet-4-5", usage: { input: 900, output: 40, cacheRead: 0, cacheWrite: 0, totalTokens: 940, cost: { total: 0.003 } }, stopReason: "toolUse", timestamp: at },
  };
  const result = {
    type: "message", id: "ffff0002", parentId: "ffff0001", timestamp: new Date(at + 2000).toISOString(),
    message: { role: "toolResult", toolCallId: call.id, toolName: call.name, content: [{ type: "text", text }], isError: false, timestamp: at + 2000 },
  };
  const line = JSON.stringify(result);
  appendFileSync(path, `${JSON.stringify(assistant)}\n${line}\n`);
  utimesSync(path, (at + 2000) / 1000, (at + 2000) / 1000);
  const key = "agent:main:main";
  writeFileSync(join(sessions, "sessions.json"), JSON.stringify({ [key]: { sessionId: small.sessionId, updatedAt: at + 2000, sessionFile: `${small.sessionId}.jsonl` } }, null, 2));
  return { dir, key, path, lineBytes: Buffer.byteLength(line) + 1, textChars: text.length };
}

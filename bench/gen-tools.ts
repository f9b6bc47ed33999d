/** Realistic tool calls and results for the store generator: arguments, output text, error text. */
import { cut, fill, prose, type Rng, type TextPools } from "./gen-random.js";
import type { ToolCall } from "./gen-transcript.js";

export const TOOLS = ["exec", "read", "write", "web_search", "web_fetch", "browser"] as const;
export type ToolName = (typeof TOOLS)[number] | "sessions_spawn";

const TOOL_WEIGHTS: ReadonlyArray<readonly [ToolName, number]> = [
  ["exec", 30],
  ["read", 25],
  ["write", 8],
  ["web_search", 12],
  ["web_fetch", 10],
  ["browser", 8],
];

/** Chance a call of each tool fails (about 3% overall). */
const ERROR_RATE: Record<ToolName, number> = {
  exec: 0.045,
  read: 0.025,
  write: 0.015,
  web_search: 0.01,
  web_fetch: 0.055,
  browser: 0.04,
  sessions_spawn: 0.02,
};

const ERRORS: Record<ToolName, string[]> = {
  exec: ["Command exited with code 1", "Command exited with code 127: command not found", "Command timed out after 30s (killed)", "Command exited with code 2: permission denied"],
  read: ["ENOENT: no such file or directory, open '{path}'", "EACCES: permission denied, open '{path}'", "EISDIR: illegal operation on a directory, read"],
  write: ["EROFS: read-only file system, open '{path}'", "ENOSPC: no space left on device, write"],
  web_search: ["web_search failed: 429 Too Many Requests (provider rate limit)", "web_search failed: missing BRAVE_API_KEY"],
  web_fetch: ["web_fetch failed: 404 Not Found", "fetch failed: ETIMEDOUT after 30000ms", "web_fetch failed: 403 Forbidden (blocked by robots policy)", "Response too large: exceeded maxChars before extraction"],
  browser: ["Browser error: element ref e{n} not found in the current snapshot", "Can't reach the OpenClaw browser control service (timed out after 15000ms)", "Navigation failed: net::ERR_NAME_NOT_RESOLVED"],
  sessions_spawn: ["sessions_spawn failed: max spawn depth (2) reached", "forbidden: agent 'ops' is not in this agent's allowAgents list"],
};

export function pickTool(rng: Rng): ToolName {
  return rng.weighted(TOOL_WEIGHTS);
}

export function callId(rng: Rng, provider: string): string {
  return provider === "openai" ? `call_${rng.base62(24)}` : `toolu_${rng.base62(24)}`;
}

export function toolArgs(rng: Rng, pools: TextPools, name: ToolName): Record<string, unknown> {
  switch (name) {
    case "exec":
      return rng.chance(0.3) ? { command: rng.pick(pools.commands), workdir: "/home/ada/workspace", timeout: 120 } : { command: rng.pick(pools.commands) };
    case "read":
      return rng.chance(0.2) ? { path: rng.pick(pools.paths), offset: rng.int(1, 400), limit: 200 } : { path: rng.pick(pools.paths) };
    case "write":
      return { path: rng.pick(pools.paths), content: fill(rng, pools.codeLines, rng.int(200, 4000), "\n") };
    case "web_search":
      return { query: cut(fill(rng, pools.sentences, rng.int(20, 60)), 80), count: 5 };
    case "web_fetch":
      return { url: `https://${rng.pick(pools.domains)}/${rng.hex(6)}/${rng.pick(["guide", "post", "article", "release-notes"])}`, extractMode: "markdown", maxChars: 50000 };
    case "browser":
      return rng.pick([
        { action: "snapshot", targetId: rng.hex(8) },
        { action: "navigate", targetUrl: `https://${rng.pick(pools.domains)}/` },
        { action: "act", request: { kind: "click", ref: `e${rng.int(1, 300)}` } },
        { action: "act", request: { kind: "type", ref: `e${rng.int(1, 300)}`, text: cut(fill(rng, pools.sentences, 30), 60) } },
      ]);
    case "sessions_spawn":
      return { task: fill(rng, pools.sentences, rng.int(60, 300)), label: `task-${rng.hex(4)}`, runTimeoutSeconds: 900 };
  }
}

export type ToolOutcome = { text: string; isError: boolean; details?: Record<string, unknown> };

/** The result of a call; `sizeChars` forces a big output (a multi-MB read or fetch). */
export function toolOutcome(rng: Rng, pools: TextPools, call: ToolCall, durationMs: number, sizeChars?: number): ToolOutcome {
  const name = call.name as ToolName;
  if (sizeChars === undefined && rng.chance(ERROR_RATE[name])) {
    const template = rng.pick(ERRORS[name]);
    let text = template.replace("{path}", String(call.args.path ?? "file")).replace("{n}", String(rng.int(1, 300)));
    if (name === "exec") text += `\n${fill(rng, pools.logLines, rng.int(80, 600), "\n")}`;
    return { text, isError: true, ...(name === "exec" ? { details: { exitCode: rng.pick([1, 2, 127]), durationMs, status: "failed" } } : {}) };
  }
  switch (name) {
    case "exec":
      return { text: fill(rng, pools.logLines, sizeChars ?? Math.round(rng.logNormal(900, 1.2)), "\n"), isError: false, details: { exitCode: 0, durationMs, cwd: "/home/ada/workspace" } };
    case "read":
      return { text: fill(rng, sizeChars !== undefined ? pools.logLines : pools.codeLines, sizeChars ?? Math.round(rng.logNormal(3000, 1.0)), "\n"), isError: false };
    case "write": {
      const bytes = String(call.args.content ?? "").length;
      return { text: `Successfully wrote ${bytes} bytes to ${String(call.args.path)}`, isError: false };
    }
    case "web_search": {
      const results = Array.from({ length: 5 }, () => ({
        title: cut(fill(rng, pools.sentences, 30), 70),
        url: `https://${rng.pick(pools.domains)}/${rng.hex(8)}`,
        description: fill(rng, pools.sentences, rng.int(120, 300)),
        published: `${rng.int(1, 28)} days ago`,
      }));
      return { text: JSON.stringify({ query: call.args.query, provider: "brave", count: 5, tookMs: durationMs, results }, null, 2), isError: false };
    }
    case "web_fetch": {
      const body = prose(rng, pools, sizeChars ?? Math.round(rng.logNormal(5000, 1.0)));
      return { text: `# ${cut(fill(rng, pools.sentences, 30), 60)}\n\nSource: ${String(call.args.url)}\n\n${body}`, isError: false, details: { status: 200, extractor: "readability", truncated: false } };
    }
    case "browser": {
      const lines = fill(rng, pools.sentences, Math.round(rng.logNormal(1500, 0.9)), "\n")
        .split("\n")
        .map((s, i) => `${"  ".repeat(i % 4)}- ${rng.pick(["link", "button", "heading", "text", "textbox"])} "${cut(s, 50)}" [ref=e${i + 1}]`);
      return { text: call.args.action === "snapshot" ? lines.join("\n") : `ok: ${String(call.args.action)} done`, isError: false };
    }
    case "sessions_spawn":
      return { text: "", isError: false }; // the session generator writes accepted spawns itself
  }
}

export function spawnError(rng: Rng): string {
  return rng.pick(ERRORS.sessions_spawn);
}

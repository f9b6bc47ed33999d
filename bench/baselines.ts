/**
 * What a user does today without this project, on the same bytes: a naive Node script (read each file
 * whole, split on "\n", JSON.parse every line), jq, and ripgrep. The naive queries run in a child
 * process like ours (run-one.ts); jq and rg are command lines the harness spawns and times.
 */
import { readFileSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { transcriptFile } from "./fat-registry.js";
import type { QueryFn, QuerySpec } from "./queries.js";
import { listTranscripts } from "./transcripts.js";

type Line = Record<string, unknown>;

/** Every parsed line of a file, read whole. */
function* parsedLines(path: string): Generator<Line> {
  const text = readFileSync(path, "utf8");
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    try {
      yield JSON.parse(raw) as Line;
    } catch {
      // a half-written last line
    }
  }
}

function lineTime(line: Line): number | undefined {
  const ts = line.timestamp;
  if (typeof ts === "number") return ts;
  if (typeof ts === "string") return Date.parse(ts);
  return undefined;
}

/** Q1/Q2: lines with a timestamp at or after `since`, in one file (spec.path) or every transcript. */
async function naiveRecent(spec: QuerySpec): Promise<unknown> {
  let lines = 0;
  for (const path of spec.path ? [spec.path] : listTranscripts(spec.store)) {
    for (const line of parsedLines(path)) if ((lineTime(line) ?? 0) >= spec.since) lines++;
  }
  return { lines };
}

/** Q3: toolResult messages with isError, plus legacy tool_result blocks with is_error (named by their tool_use). */
async function naiveToolErrors(spec: QuerySpec): Promise<unknown> {
  const byTool: Record<string, number> = {};
  const add = (tool: unknown) => {
    const name = typeof tool === "string" ? tool : "(unknown)";
    byTool[name] = (byTool[name] ?? 0) + 1;
  };
  for (const path of listTranscripts(spec.store)) {
    const legacyCalls = new Map<string, string>();
    for (const line of parsedLines(path)) {
      const message = (line.message ?? line) as Line;
      if (message.role === "toolResult") {
        if (message.isError === true) add(message.toolName);
      } else if (Array.isArray(message.content)) {
        for (const block of message.content as Line[]) {
          if (block?.type === "tool_use") legacyCalls.set(String(block.id), String(block.name));
          else if (block?.type === "tool_result" && block.is_error === true) add(legacyCalls.get(String(block.tool_use_id)));
        }
      }
    }
  }
  return { byTool };
}

/** Q4: one whole read and parse of one file. */
async function naiveFullPass(spec: QuerySpec): Promise<unknown> {
  let lines = 0;
  for (const _ of parsedLines(spec.path!)) lines++;
  return { lines, bytes: statSync(spec.path!).size };
}

/** Q0 the way a script finds a session by key: parse its agent's sessions.json, then read its transcript whole. */
async function naiveLookup(spec: QuerySpec): Promise<unknown> {
  const [, agent] = spec.sessionKey!.split(":");
  const sessions = join(spec.store, "agents", agent!, "sessions");
  const registry = JSON.parse(readFileSync(join(sessions, "sessions.json"), "utf8")) as Record<string, Line>;
  const entry = registry[spec.sessionKey!];
  if (!entry) throw new Error(`no ${spec.sessionKey} in the registry`);
  let lines = 0;
  for (const _ of parsedLines(join(sessions, transcriptFile(entry)))) lines++;
  return { lines };
}

export const NAIVE_QUERIES: Record<string, QueryFn> = {
  "naive.lookup": naiveLookup,
  "naive.recent": naiveRecent,
  "naive.tool-errors": naiveToolErrors,
  "naive.full-pass": naiveFullPass,
};

// ---- external tools ----

export type Collector = { line(text: string): void; result(): unknown };
/** An external tool run: one or more invocations (file lists are split to stay under argv limits). */
export type ExternalJob = { tool: "jq" | "rg" | "grep"; command: string; invocations: string[][]; collector(): Collector };

export function toolVersion(tool: "jq" | "rg" | "grep"): string | undefined {
  const r = spawnSync(tool, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.split("\n")[0]!.trim() : undefined;
}

function chunks(files: string[], size = 1000): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < files.length; i += size) out.push(files.slice(i, i + size));
  return out;
}

const countLines = (): Collector => {
  let n = 0;
  return { line: () => void n++, result: () => ({ lines: n }) };
};

const sumCounts = (): Collector => {
  let n = 0;
  return { line: (t) => void (n += Number(t) || 0), result: () => ({ lines: n }) };
};

const countNames = (): Collector => {
  const byTool: Record<string, number> = {};
  return { line: (t) => void (byTool[t] = (byTool[t] ?? 0) + 1), result: () => ({ byTool }) };
};

/** A regex for ISO-8601 UTC strings (toISOString form) at or after `iso`: fixed width, so digit by digit. */
export function isoAtLeastRegex(iso: string): string {
  const rest = (from: number) => iso.slice(from).replace(/\d/g, "\\d").replace(/\./g, "\\.");
  const alternatives = [iso.replace(/\./g, "\\.")];
  for (let i = 0; i < iso.length; i++) {
    const d = iso.charCodeAt(i) - 48;
    if (d >= 0 && d < 9) alternatives.push(`${iso.slice(0, i).replace(/\./g, "\\.")}[${d + 1}-9]${rest(i + 1)}`);
  }
  return `(?:${alternatives.join("|")})`;
}

const JQ_TOOL_ERRORS = `foreach inputs as $l ({m: {}, out: []};
  .out = [] |
  if ($l | type) != "object" then .
  elif ($l.message | type) == "object" then
    (if $l.message.role == "toolResult" and $l.message.isError == true then .out = [$l.message.toolName // "(unknown)"] else . end)
  elif $l.role == "assistant" then
    reduce ($l.content | if type == "array" then .[] else empty end | select(.type? == "tool_use")) as $b (.; .m[$b.id] = $b.name)
  elif $l.role == "user" then
    . as $s | .out = [$l.content | if type == "array" then .[] else empty end | select(.type? == "tool_result" and .is_error == true) | ($s.m[.tool_use_id] // "(unknown)")]
  else . end;
  .out[])`;

/** Search: the files holding a line that matches `pattern` (case-insensitive), listed (rg -il / grep -ril). */
export function filesMatching(tool: "rg" | "grep", files: string[], pattern: string): ExternalJob {
  const flags = tool === "rg" ? ["-i", "-l", "--no-ignore", "-e", pattern] : ["-i", "-l", "-E", "-e", pattern];
  return { tool, command: `${tool} ${flags.slice(0, -2).join(" ")} '${pattern}'`, invocations: chunks(files).map((c) => [...flags, ...c]), collector: countLines };
}

/** Q1 (one file) or Q2 (files): lines whose timestamp is at or after `since`. */
export function jqRecent(files: string[], since: number): ExternalJob {
  const iso = new Date(since).toISOString();
  const filter = 'select(type == "object" and (.timestamp // "") >= $s) | 1';
  return { tool: "jq", command: `jq --arg s ${iso} '${filter}'`, invocations: chunks(files).map((c) => ["-r", "--arg", "s", iso, filter, ...c]), collector: countLines };
}

export function jqToolErrors(files: string[]): ExternalJob {
  return { tool: "jq", command: "jq -n -r 'foreach inputs as $l (...toolResult isError / legacy is_error by tool_use name...)'", invocations: chunks(files).map((c) => ["-n", "-r", JQ_TOOL_ERRORS, ...c]), collector: countNames };
}

export function jqFullPass(file: string): ExternalJob {
  return { tool: "jq", command: "jq -r 1", invocations: [["-r", "1", file]], collector: countLines };
}

export function rgToolErrors(files: string[]): ExternalJob {
  const pattern = '"isError":true|"is_error":true';
  return { tool: "rg", command: `rg -c --no-filename '${pattern}'`, invocations: chunks(files).map((c) => ["-c", "--no-filename", "--no-ignore", pattern, ...c]), collector: sumCounts };
}

export function rgRecent(files: string[], since: number): ExternalJob {
  const pattern = `"timestamp":"${isoAtLeastRegex(new Date(since).toISOString())}"`;
  return { tool: "rg", command: `rg -c --no-filename '"timestamp":"<ISO >= since, as a regex>"'`, invocations: chunks(files).map((c) => ["-c", "--no-filename", "--no-ignore", pattern, ...c]), collector: sumCounts };
}

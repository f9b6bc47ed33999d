/**
 * Writes one pi v3 transcript with large buffered writes, and counts while writing what the benchmark
 * checks against: lines, events (as EVENTS.md turns lines into events), events and lines at or after
 * `since`, tool errors by tool, token usage.
 */
import { closeSync, openSync, writeSync } from "node:fs";

const FLUSH_CHARS = 8 * 1024 * 1024;

export type Usage = { input: number; output: number; cacheRead: number; cacheWrite: number; totalTokens: number; cost: number };
export type ToolCall = { id: string; name: string; args: Record<string, unknown> };
export type AssistantSpec = {
  provider: string;
  model: string;
  api: string;
  text: string;
  thinking?: string;
  calls?: ToolCall[];
  stopReason: "stop" | "toolUse" | "error" | "length" | "aborted";
  errorMessage?: string;
  usage: Usage;
};

/** Store-wide truth, shared by every transcript written. */
export type Truth = { toolErrorsByTool: Record<string, number>; toolResults: number; recentEvents: number; recentLines: number };

export class TranscriptWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private chars = 0;
  private lineNo = 0;
  private lastId: string | null = null;
  private model: string | undefined; // "provider/model" as the event contract tracks it
  /** Time of the last line written (ms). */
  lastTs = 0;
  bytes = 0;
  lines = 0;
  events = 0;
  recentEvents = 0;
  recentLines = 0;
  compactions = 0;
  largestLine = 0;
  readonly usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, cost: 0 };

  constructor(
    path: string,
    private readonly since: number,
    private readonly truth: Truth,
    private readonly salt: number,
    /** Lines are never dated after this (the generator's now), short of squeezing them 1 ms apart. */
    private readonly maxTs = Number.MAX_SAFE_INTEGER,
  ) {
    this.fd = openSync(path, "w");
  }

  /** Strictly after the previous line, not before `at`, and (while it can) not after `maxTs`. */
  tick(at: number): number {
    return Math.max(Math.min(Math.round(at), this.maxTs), this.lastTs + 1);
  }

  private nextId(): string {
    return ((this.salt + Math.imul(++this.lineNo, 0x9e3779b1)) >>> 0).toString(16).padStart(8, "0");
  }

  private write(line: string, ts: number, events: number): void {
    const bytes = Buffer.byteLength(line) + 1;
    this.parts.push(line, "\n");
    this.chars += line.length + 1;
    this.bytes += bytes;
    this.lines++;
    this.events += events;
    this.largestLine = Math.max(this.largestLine, bytes);
    this.lastTs = ts;
    if (ts >= this.since) {
      this.recentLines++;
      this.recentEvents += events;
    }
    if (this.chars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, this.parts.join(""));
    this.parts = [];
    this.chars = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  /** A (provider, model) pair: 1 when it is a switch under the contract's rule, else 0. */
  private switchTo(provider: string, model: string): number {
    const next = `${provider}/${model}`;
    const switched = this.model !== undefined && this.model !== next;
    this.model = next;
    return switched ? 1 : 0;
  }

  /** An event the registry adds (session_end) at `ts`. */
  registryEvent(ts: number): void {
    this.events++;
    if (ts >= this.since) this.recentEvents++;
  }

  private entry(type: string, ts: number, fields: Record<string, unknown>, events: number): string {
    const id = this.nextId();
    const line = JSON.stringify({ type, id, parentId: this.lastId, timestamp: new Date(ts).toISOString(), ...fields });
    this.lastId = id;
    this.write(line, ts, events);
    return id;
  }

  header(sessionId: string, ts: number, cwd: string, parentSession?: string): void {
    const line = { type: "session", version: 3, id: sessionId, timestamp: new Date(ts).toISOString(), cwd, ...(parentSession ? { parentSession } : {}) };
    this.write(JSON.stringify(line), ts, 1);
  }

  modelSnapshot(ts: number, provider: string, api: string, model: string): void {
    const events = this.switchTo(provider, model);
    this.entry("custom", ts, { customType: "model-snapshot", data: { timestamp: ts, provider, modelApi: api, modelId: model } }, events);
  }

  modelChange(ts: number, provider: string, model: string): void {
    this.entry("model_change", ts, { provider, modelId: model }, this.switchTo(provider, model));
  }

  thinkingLevel(ts: number, level: string): void {
    this.entry("thinking_level_change", ts, { thinkingLevel: level }, 1);
  }

  sessionInfo(ts: number, name: string): void {
    this.entry("session_info", ts, { name }, 1);
  }

  custom(ts: number, customType: string, data: unknown): void {
    this.entry("custom", ts, { customType, data }, 1);
  }

  customMessage(ts: number, customType: string, content: string, details: unknown): void {
    this.entry("custom_message", ts, { customType, content, display: false, details }, 1);
  }

  compaction(ts: number, summary: string, tokensBefore: number): void {
    this.compactions++;
    this.entry("compaction", ts, { summary, firstKeptEntryId: this.lastId, tokensBefore }, 1);
  }

  user(ts: number, content: string | unknown[]): void {
    this.entry("message", ts, { message: { role: "user", content, timestamp: ts } }, 1);
  }

  assistant(ts: number, a: AssistantSpec): void {
    const content: unknown[] = [];
    if (a.thinking) content.push({ type: "thinking", thinking: a.thinking, thinkingSignature: `sig_${this.salt.toString(36)}${this.lineNo}` });
    content.push({ type: "text", text: a.text });
    for (const call of a.calls ?? []) content.push({ type: "toolCall", id: call.id, name: call.name, arguments: call.args });
    const u = a.usage;
    const message = {
      role: "assistant",
      content,
      api: a.api,
      provider: a.provider,
      model: a.model,
      usage: { input: u.input, output: u.output, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, totalTokens: u.totalTokens, cost: { input: u.cost * 0.3, output: u.cost * 0.6, cacheRead: u.cost * 0.05, cacheWrite: u.cost * 0.05, total: u.cost } },
      stopReason: a.stopReason,
      ...(a.errorMessage ? { errorMessage: a.errorMessage } : {}),
      timestamp: ts,
    };
    const switched = a.provider === "openclaw" ? 0 : this.switchTo(a.provider, a.model);
    const events = switched + 1 + (a.calls?.length ?? 0) + (a.stopReason === "error" ? 1 : 0);
    for (const key of Object.keys(this.usage) as Array<keyof Usage>) this.usage[key] += u[key];
    this.entry("message", ts, { message }, events);
  }

  /** A tool result; `spawned` when it is an accepted sessions_spawn (adds a `spawn` event). */
  toolResult(ts: number, call: ToolCall, text: string, isError: boolean, details?: unknown, spawned = false): void {
    this.truth.toolResults++;
    if (isError) this.truth.toolErrorsByTool[call.name] = (this.truth.toolErrorsByTool[call.name] ?? 0) + 1;
    const message = { role: "toolResult", toolCallId: call.id, toolName: call.name, content: [{ type: "text", text }], ...(details ? { details } : {}), isError, timestamp: ts };
    this.entry("message", ts, { message }, spawned && !isError ? 2 : 1);
  }

  /** Unwrapped legacy lines (old Telegram-era transcripts): Anthropic-style blocks, ISO timestamps. */
  legacyUser(ts: number, text: string): void {
    this.write(JSON.stringify({ role: "user", content: text, timestamp: new Date(ts).toISOString() }), ts, 1);
  }

  legacyAssistant(ts: number, text: string, calls: ToolCall[]): void {
    const content = [{ type: "text", text }, ...calls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.args }))];
    this.write(JSON.stringify({ role: "assistant", content, timestamp: new Date(ts).toISOString() }), ts, 1 + calls.length);
  }

  legacyToolResults(ts: number, results: Array<{ call: ToolCall; text: string; isError: boolean }>): void {
    for (const r of results) {
      this.truth.toolResults++;
      if (r.isError) this.truth.toolErrorsByTool[r.call.name] = (this.truth.toolErrorsByTool[r.call.name] ?? 0) + 1;
    }
    const content = results.map((r) => ({ type: "tool_result", tool_use_id: r.call.id, content: r.text, ...(r.isError ? { is_error: true } : {}) }));
    this.write(JSON.stringify({ role: "user", content, timestamp: new Date(ts).toISOString() }), ts, results.length);
  }

  /** Adds this transcript's recent counts to the store's truth (once, when done). */
  commit(): void {
    this.truth.recentEvents += this.recentEvents;
    this.truth.recentLines += this.recentLines;
  }
}

/**
 * One session's conversation for the store generator: turns of user message, assistant rounds with
 * tool calls and results, spawned sub-agents, compactions, model changes, the odd error, written to a
 * TranscriptWriter with timestamps that follow the session's planned time span.
 */
import { cut, fill, prose, type Rng, type TextPools } from "./gen-random.js";
import type { AssistantSpec, ToolCall, TranscriptWriter, Usage } from "./gen-transcript.js";
import { callId, pickTool, spawnError, toolArgs, toolOutcome, type ToolName } from "./gen-tools.js";

export type ModelRef = { provider: string; model: string; api: string };

export const MODELS: ModelRef[] = [
  { provider: "anthropic", model: "claude-sonnet-4-5", api: "anthropic-messages" },
  { provider: "anthropic", model: "claude-opus-4-1", api: "anthropic-messages" },
  { provider: "anthropic", model: "claude-haiku-4-5", api: "anthropic-messages" },
  { provider: "openai", model: "gpt-5.1", api: "openai-responses" },
  { provider: "google", model: "gemini-2.5-pro", api: "google-generative-ai" },
];

/** A child this session spawns: planned time in, actual accepted-result time out. */
export type SpawnPlan = { childKey: string; plannedAt: number; task: string; label: string; agentId: string; model?: string; spawnedAt?: number };

/** A part of the session's life: turns spread over [from, to] until `bytes` is reached or `turns` are written. */
export type Phase = { from: number; to: number; bytes?: number; turns?: number };

export type SessionScript = {
  rng: Rng;
  pools: TextPools;
  w: TranscriptWriter;
  model: ModelRef;
  /** Sizes (chars) of multi-MB tool results to place in this session, first phase first. */
  bigResults: number[];
  /** The first user message (a sub-agent's task, a cron trigger text). */
  opening?: string;
  channelPrefix?: string;
  /** Scales the delays inside a turn (model and tool time); below 1 for a busy last hour. */
  pace?: number;
};

const MS = { s: 1000, min: 60_000 };

function usageFor(rng: Rng, contextChars: number, outChars: number, model: ModelRef): Usage {
  const input = Math.round(Math.min(190_000, 2000 + contextChars / 4)) + rng.int(0, 500);
  const output = Math.round(outChars / 4) + rng.int(5, 60);
  const cacheRead = rng.chance(0.7) ? Math.round(input * 0.8) : 0;
  const cacheWrite = rng.int(0, 2000);
  const rate = model.model.includes("opus") ? 15 : model.model.includes("haiku") ? 1 : 3;
  const cost = Math.round(((input - cacheRead) * rate + output * rate * 5 + cacheRead * rate * 0.1) / 1e3) / 1e3;
  return { input: input - cacheRead, output, cacheRead, cacheWrite, totalTokens: input + output, cost };
}

/** Writes a session's turns; returns when its phases are done. */
export class SessionGenerator {
  private contextChars = 0;
  /** Bytes of multi-MB results written so far; they go at random points, the rest at a phase's end. */
  private bigWritten = 0;
  private forceBig = false;
  private bigChance = 0.05;
  private sinceCompaction = 0;
  private compactEvery: number;
  private current: ModelRef;

  constructor(private readonly s: SessionScript) {
    this.current = s.model;
    this.compactEvery = s.rng.int(500_000, 900_000);
  }

  private delay(ms: number): number {
    return ms * (this.s.pace ?? 1);
  }

  start(sessionId: string, at: number, cwd: string, parentSessionId?: string): void {
    const { w, model } = this.s;
    w.header(sessionId, w.tick(at), cwd, parentSessionId);
    w.modelSnapshot(w.tick(at), model.provider, model.api, model.model);
    if (this.s.rng.chance(0.3)) w.thinkingLevel(w.tick(at + 1), this.s.rng.pick(["low", "medium", "high"]));
  }

  /** Runs one phase of turns, spawning each of `spawns` at its planned time. */
  phase(p: Phase, spawns: SpawnPlan[] = []): void {
    const { w } = this.s;
    const startBytes = w.bytes;
    const startBig = this.bigWritten;
    // the clock follows the ordinary bytes, so a multi-MB result does not leap it forward
    const paced = Math.max(1, (p.bytes ?? 1) - this.s.bigResults.reduce((a, b) => a + b, 0));
    this.bigChance = Math.min(0.5, 15_000 / paced); // about once per session's worth of eligible calls
    let turn = 0;
    for (;;) {
      const written = w.bytes - startBytes;
      const done = p.turns !== undefined ? turn >= p.turns : written >= (p.bytes ?? 0);
      if (done) break;
      const progress = p.turns !== undefined ? turn / p.turns : Math.min(0.999, (written - (this.bigWritten - startBig)) / paced);
      this.forceBig = p.turns === undefined && progress > 0.9;
      const at = w.tick(p.from + (p.to - p.from) * progress);
      const spawn = spawns.find((c) => c.spawnedAt === undefined && c.plannedAt <= at);
      if (spawn) this.spawnTurn(at, spawn);
      else this.turn(at, turn === 0 && startBytes < 4096 ? this.s.opening : undefined);
      turn++;
    }
  }

  /** Spawns every child not yet spawned (its planned time fell after the phase's last turn). */
  flushSpawns(spawns: SpawnPlan[]): void {
    for (const c of spawns) if (c.spawnedAt === undefined) this.spawnTurn(this.s.w.lastTs + MS.s, c);
  }

  private assistant(at: number, spec: Omit<AssistantSpec, "provider" | "model" | "api" | "usage">, model = this.current): void {
    const outChars = spec.text.length + (spec.thinking?.length ?? 0) + JSON.stringify(spec.calls ?? []).length;
    const usage = usageFor(this.s.rng, this.contextChars, outChars, model);
    this.s.w.assistant(at, { ...spec, ...model, usage });
    this.contextChars += outChars;
  }

  private userText(): string {
    const { rng, pools } = this.s;
    const text = rng.chance(0.8) ? fill(rng, pools.sentences, rng.int(30, 300)) : prose(rng, pools, rng.int(400, 2500));
    return this.s.channelPrefix ? `${this.s.channelPrefix} ${text}` : text;
  }

  private maybeHousekeeping(at: number): number {
    const { rng, w, pools } = this.s;
    let t = at;
    if (this.sinceCompaction > this.compactEvery) {
      w.compaction((t = w.tick(t)), prose(rng, pools, rng.int(1200, 4000)), rng.int(150_000, 195_000));
      this.sinceCompaction = 0;
      this.contextChars = 20_000;
    }
    if (rng.chance(0.004)) {
      const next = rng.pick(MODELS.filter((m) => m.model !== this.current.model));
      w.modelChange((t = w.tick(t + 10)), next.provider, next.model);
      w.modelSnapshot((t = w.tick(t + 10)), next.provider, next.api, next.model);
      this.current = next;
    }
    if (rng.chance(0.002)) w.thinkingLevel((t = w.tick(t + 10)), rng.pick(["off", "low", "medium", "high"]));
    if (rng.chance(0.01)) w.custom((t = w.tick(t + 10)), "openclaw.cache-ttl", { timestamp: t, provider: this.current.provider, modelId: this.current.model });
    return t;
  }

  /** user -> (assistant with tool calls -> results)* -> assistant answer. */
  private turn(at: number, opening?: string): void {
    const { rng, pools, w } = this.s;
    const before = w.bytes;
    let t = this.maybeHousekeeping(at);
    const userText = opening ?? this.userText();
    w.user((t = w.tick(t)), userText);
    this.contextChars += userText.length;
    const rounds = rng.weighted([[0, 30], [1, 30], [2, 18], [3, 10], [4, 6], [6, 4], [10, 2]] as const);
    for (let r = 0; r < rounds; r++) {
      if (rng.chance(0.004)) {
        // a provider error, then the retry goes on
        t = w.tick(t + this.delay(rng.int(2, 20) * MS.s));
        this.assistant(t, { text: "", stopReason: "error", errorMessage: rng.pick(["429 rate_limit_exceeded: retry after 30s", "529 overloaded_error: Overloaded", "Request timed out after 600000ms"]) });
      }
      const calls: ToolCall[] = [];
      const n = rng.chance(0.2) ? rng.int(2, 4) : 1;
      for (let i = 0; i < n; i++) {
        const name: ToolName = rng.chance(0.001) ? "sessions_spawn" : pickTool(rng);
        calls.push({ id: callId(rng, this.current.provider), name, args: toolArgs(rng, pools, name) });
      }
      const fallback = rng.chance(0.003) ? rng.pick(MODELS.filter((m) => m.provider !== this.current.provider)) : undefined;
      t = w.tick(t + this.delay(rng.int(2, 25) * MS.s));
      this.assistant(t, { text: rng.chance(0.6) ? fill(rng, pools.sentences, rng.int(20, 200)) : "", thinking: rng.chance(0.5) ? prose(rng, pools, rng.int(100, 1500)) : undefined, calls, stopReason: "toolUse" }, fallback);
      for (const call of calls) {
        const duration = rng.int(50, call.name === "exec" ? 40_000 : 8000);
        t = w.tick(t + this.delay(duration));
        if (call.name === "sessions_spawn") {
          w.toolResult(t, call, spawnError(rng), true);
          continue;
        }
        const eligible = this.s.bigResults.length > 0 && (call.name === "read" || call.name === "web_fetch" || call.name === "exec");
        const big = eligible && (this.forceBig || rng.chance(this.bigChance)) ? this.s.bigResults.shift() : undefined;
        const out = toolOutcome(rng, pools, call, duration, big);
        const bytesBefore = w.bytes;
        w.toolResult(t, call, out.text, out.isError, out.details);
        if (big !== undefined) this.bigWritten += w.bytes - bytesBefore;
        this.contextChars += Math.min(out.text.length, 50_000);
      }
    }
    if (rng.chance(0.01)) {
      t = w.tick(t + MS.s);
      w.assistant(t, { provider: "openclaw", model: "delivery-mirror", api: "openai-responses", text: fill(rng, pools.sentences, 80), stopReason: "stop", usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, cost: 0 } });
    }
    t = w.tick(t + this.delay(rng.int(2, 40) * MS.s));
    const answer = rng.chance(0.7) ? prose(rng, pools, rng.int(100, 1500)) : prose(rng, pools, rng.int(1500, 6000));
    this.assistant(t, { text: answer, thinking: rng.chance(0.3) ? prose(rng, pools, rng.int(100, 800)) : undefined, stopReason: rng.chance(0.01) ? "length" : "stop" });
    this.sinceCompaction += w.bytes - before;
  }

  private spawnTurn(at: number, c: SpawnPlan): void {
    const { rng, pools, w } = this.s;
    let t = w.tick(at);
    w.user(t, this.userText());
    const args: Record<string, unknown> = { task: c.task, label: c.label, ...(c.agentId ? { agentId: c.agentId } : {}), ...(c.model ? { model: c.model } : {}), runTimeoutSeconds: 900 };
    const call: ToolCall = { id: callId(rng, this.current.provider), name: "sessions_spawn", args };
    t = w.tick(t + this.delay(rng.int(2, 15) * MS.s));
    this.assistant(t, { text: "I'll hand this to a sub-agent.", calls: [call], stopReason: "toolUse" });
    t = w.tick(t + rng.int(200, 1500));
    const accepted = { status: "accepted", runId: `run_${rng.hex(12)}`, childSessionKey: c.childKey, note: "auto-announces on completion" };
    w.toolResult(t, call, JSON.stringify(accepted), false, undefined, true);
    c.spawnedAt = t;
    t = w.tick(t + this.delay(rng.int(1, 5) * MS.s));
    this.assistant(t, { text: `Started sub-agent ${c.label}; I'll report back when it finishes. ${fill(rng, pools.sentences, 60)}`, stopReason: "stop" });
  }

  /** An old unwrapped (Anthropic-style) transcript: no header, ISO times, tool_use/tool_result blocks. */
  static legacy(s: SessionScript, from: number, to: number, turns: number): void {
    const { rng, pools, w } = s;
    for (let i = 0; i < turns; i++) {
      let t = w.tick(from + ((to - from) * i) / turns);
      w.legacyUser(t, fill(rng, pools.sentences, rng.int(20, 200)));
      if (rng.chance(0.6)) {
        const name = pickTool(rng);
        const call: ToolCall = { id: callId(rng, "anthropic"), name, args: toolArgs(rng, pools, name) };
        w.legacyAssistant((t = w.tick(t + 3 * MS.s)), "", [call]);
        const out = toolOutcome(rng, pools, call, 1000);
        w.legacyToolResults((t = w.tick(t + 2 * MS.s)), [{ call, text: cut(out.text, 4000), isError: out.isError }]);
      }
      w.legacyAssistant(w.tick(t + 3 * MS.s), fill(rng, pools.sentences, rng.int(40, 600)), []);
    }
  }
}

import type { EventType } from "../../contract/event.js";
import { contentText, thinkingText, toolCallBlocks, toolResultBlocks } from "./content.js";
import { asNumber, asObject, asString, defined, parseInstant, type Json } from "./values.js";

/** An event as a transcript line yields it, before the source stamps its identity on it. */
export type EventDraft = {
  seq: number;
  /** The line's own time (never moved: real transcripts are not in time order); else the event before's. */
  timestamp: number;
  /**
   * The running maximum of the transcript's times up to this event: where it sorts among other
   * sessions' events (it never runs backwards within a transcript, so pages and indexes can seek by it).
   */
  orderTs: number;
  type: EventType;
  payload: Json;
};

/**
 * What projections need beyond the payloads: the line's entry id and parent (a pi transcript is a
 * tree; `parentId` null for a root, absent on lines without one), a compaction's summary.
 */
export type EventDetail = { entryId?: string; parentId?: string | null; summary?: string };

type ModelRef = { provider?: string; model: string };
type PendingCall = { ts: number; name?: string; spawn?: Json };

/** Everything a transcript's later lines depend on; plain JSON so a reader can resume from a checkpoint. */
export type NormalizerState = {
  seq: number;
  /** The running maximum of the events' times so far (their order time). */
  lastTs: number;
  /** The last event's own time (what a line without a usable time takes); lastTs when absent. */
  lastOwnTs?: number;
  model?: ModelRef;
  pending: Array<[string, PendingCall]>;
};

const MAX_PENDING_CALLS = 2048;
const SPAWN_TOOL = "sessions_spawn";
const ENDED_STATUSES = new Set(["done", "failed", "killed", "timeout"]);
/** `details.status` values OpenClaw counts as a failed tool call (most real failures have isError false). */
const FAILED_TOOL_STATUSES = new Set(["error", "timeout"]);
/** Assistant lines the gateway writes itself: they name no model the session runs on. */
const GATEWAY_PROVIDERS = new Set(["openclaw", "clawdbot"]);
const GATEWAY_MODELS = new Set(["gateway-injected", "delivery-mirror"]);
const PROMPT_ERROR = "openclaw:prompt-error";
/** A recorded end this long before the transcript's last event is stale (the session went on). */
const END_SLACK_MS = 60_000;

/**
 * Turns transcript lines (pi v3, unwrapped legacy, ClawJS) into events, exactly as the event contract
 * says. Holds the state later lines need: the current model, the event count, and unanswered tool calls.
 */
export class TranscriptNormalizer {
  private seq: number;
  private lastTs: number;
  private lastOwnTs: number;
  private model: ModelRef | undefined;
  private readonly pending: Map<string, PendingCall>;
  /** Lines that yielded nothing because they were of no known kind. */
  skipped = 0;
  /** What projections need beyond the payloads of the last line's events: its entry id, a compaction's summary. */
  lastDetail: EventDetail | undefined;

  constructor(state?: NormalizerState) {
    this.seq = state?.seq ?? 0;
    this.lastTs = state?.lastTs ?? 0;
    this.lastOwnTs = state?.lastOwnTs ?? this.lastTs;
    this.model = state?.model;
    this.pending = new Map(state?.pending ?? []);
  }

  snapshot(): NormalizerState {
    return {
      seq: this.seq,
      lastTs: this.lastTs,
      ...(this.lastOwnTs !== this.lastTs ? { lastOwnTs: this.lastOwnTs } : {}),
      ...(this.model ? { model: { ...this.model } } : {}),
      pending: [...this.pending],
    };
  }

  get eventCount(): number {
    return this.seq;
  }

  /** The running maximum of the times read so far: every later event sorts at or after it. */
  get lastTimestamp(): number {
    return this.lastTs;
  }

  /** The last event's own time. */
  get lastOwnTimestamp(): number {
    return this.lastOwnTs;
  }

  /** The model in effect after the lines read so far. */
  get currentModel(): string | undefined {
    return this.model?.model;
  }

  /** The events of one parsed line, in contract order. */
  line(value: unknown): EventDraft[] {
    const line = asObject(value);
    const drafts: Drafts = [];
    const ts = (line ? lineTime(line) : undefined) ?? this.lastOwnTs;
    if (line) {
      try {
        this.collect(line, ts, drafts);
      } catch {
        drafts.length = 0; // a line of an unexpected shape yields nothing rather than half its events
      }
    }
    if (drafts.length === 0) {
      if (!line || !isKnownQuietLine(line)) this.skipped++;
      return [];
    }
    this.lastOwnTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const orderTs = this.lastTs;
    this.lastDetail = line ? lineDetail(line) : undefined;
    // (the drafts are this line's own: completed in place, not copied, as every event of a scan passes here)
    const events = drafts as EventDraft[];
    for (const draft of events) {
      draft.seq = ++this.seq;
      draft.timestamp = ts;
      draft.orderTs = orderTs;
    }
    return events;
  }

  /**
   * The registry's `session_end` for this transcript as read so far (not recorded: the transcript may
   * grow). None when the transcript has gone on well past the recorded end: the session has resumed.
   */
  sessionEnd(entry: { status?: string; endedAt?: number; updatedAt?: number; runtimeMs?: number }): EventDraft | undefined {
    if (!entry.status || !ENDED_STATUSES.has(entry.status)) return undefined;
    const at = entry.endedAt ?? entry.updatedAt ?? this.lastTs;
    if (this.lastTs - at > END_SLACK_MS) return undefined;
    return {
      seq: this.seq + 1,
      timestamp: at,
      orderTs: Math.max(at, this.lastTs),
      type: "session_end",
      payload: defined({ status: entry.status, runtimeMs: entry.runtimeMs }),
    };
  }

  private collect(line: Json, ts: number, out: Drafts): void {
    const type = line.type;
    if (type === undefined && typeof line.role === "string") return this.message(line, ts, out); // unwrapped legacy line
    switch (type) {
      case "session":
        out.push({ type: "session_start", payload: defined({ cwd: asString(line.cwd), version: asNumber(line.version), title: asString(line.title) }) });
        return;
      case "message": {
        // pi and ClawJS wrap the message; some ClawJS writers put role/content on the line itself
        const message = asObject(line.message) ?? (typeof line.role === "string" ? line : undefined);
        if (message) this.message(message, ts, out);
        return;
      }
      case "compaction":
        out.push({
          type: "compaction",
          payload: defined({
            tokensBefore: asNumber(line.tokensBefore),
            summaryChars: asString(line.summary)?.length ?? 0,
            firstKeptEntryId: asString(line.firstKeptEntryId),
            // pi v1 kept a line index instead of an entry id
            firstKeptEntryIndex: line.firstKeptEntryId === undefined ? asNumber(line.firstKeptEntryIndex) : undefined,
          }),
        });
        return;
      case "model_change":
        this.switchModel(asString(line.provider), asString(line.modelId), "model_change", out);
        return;
      case "thinking_level_change":
        out.push({ type: "state_change", payload: { key: "thinkingLevel", value: line.thinkingLevel ?? null } });
        return;
      case "label":
        out.push({ type: "state_change", payload: defined({ key: "label", value: line.label ?? null, targetId: asString(line.targetId) }) });
        return;
      case "session_info":
        out.push({ type: "state_change", payload: { key: "name", value: line.name ?? null } });
        return;
      case "leaf":
        out.push({ type: "state_change", payload: { key: "leaf", value: asString(line.targetId) ?? null } });
        return;
      case "reset":
        out.push({ type: "state_change", payload: { key: "reset", value: line.reason ?? null } });
        return;
      case "metadata":
        out.push({ type: "custom", payload: { kind: "metadata" } });
        return;
      case "custom": {
        const data = asObject(line.data);
        if (line.customType === "model-snapshot") {
          this.switchModel(asString(data?.provider), asString(data?.modelId), "snapshot", out);
          return;
        }
        if (line.customType === PROMPT_ERROR) {
          const message = asString(data?.error) ?? "unknown error";
          out.push({ type: "error", payload: defined({ message, provider: asString(data?.provider), model: asString(data?.model), runId: asString(data?.runId) }) });
          return;
        }
        out.push({ type: "custom", payload: { kind: asString(line.customType) ?? "custom" } });
        return;
      }
      case "custom_message":
        out.push({ type: "custom", payload: { kind: asString(line.customType) ?? "custom_message" } });
        return;
      case "branch_summary":
        out.push({ type: "custom", payload: { kind: "branch_summary" } });
        return;
    }
  }

  private message(message: Json, ts: number, out: Drafts): void {
    const role = asString(message.role);
    if (!role) return;
    const content = message.content;
    if (role === "assistant") return this.assistant(message, ts, out);
    if (role === "toolResult" || role === "tool") {
      this.toolResult(asString(message.toolCallId), asString(message.toolName), contentText(content), isFailedResult(message), ts, out);
      return;
    }
    const legacyResults = role === "user" ? toolResultBlocks(content) : [];
    if (legacyResults.length > 0) {
      for (const r of legacyResults) this.toolResult(r.toolCallId, undefined, r.text, r.isError, ts, out);
      return;
    }
    out.push({ type: "message", payload: { role, text: messageText(message) } });
  }

  private assistant(message: Json, ts: number, out: Drafts): void {
    const provider = asString(message.provider);
    const model = asString(message.model);
    const fromGateway = (provider !== undefined && GATEWAY_PROVIDERS.has(provider)) || (model !== undefined && GATEWAY_MODELS.has(model));
    if (!fromGateway) this.switchModel(provider, model, "fallback", out);
    const stopReason = asString(message.stopReason);
    out.push({
      type: "message",
      payload: defined({
        role: "assistant",
        text: contentText(message.content),
        model,
        provider,
        stopReason,
        usage: usageOf(message.usage),
        thinking: thinkingText(message.content),
      }),
    });
    for (const call of toolCallBlocks(message.content)) {
      if (call.id !== undefined) this.remember(call.id, { ts, name: call.name, spawn: call.name === SPAWN_TOOL ? spawnArgs(call.args) : undefined });
      out.push({ type: "tool_call", payload: defined({ toolCallId: call.id, toolName: call.name, args: call.args }) });
    }
    if (stopReason === "error") {
      out.push({ type: "error", payload: { message: asString(message.errorMessage) ?? "unknown error" } });
    }
  }

  private toolResult(
    toolCallId: string | undefined,
    toolNameInLine: string | undefined,
    text: string,
    isError: boolean,
    ts: number,
    out: Drafts,
  ): void {
    const call = toolCallId !== undefined ? this.pending.get(toolCallId) : undefined;
    if (call) this.pending.delete(toolCallId!);
    const toolName = toolNameInLine ?? call?.name;
    out.push({
      type: isError ? "tool_error" : "tool_result",
      // (the lines' own times: a result stamped before its call has no duration)
      payload: defined({ toolCallId, toolName, text, durationMs: call && ts >= call.ts ? ts - call.ts : undefined }),
    });
    if (!isError && toolName === SPAWN_TOOL) {
      const accepted = parseJsonObject(text);
      const childSessionKey = asString(accepted?.childSessionKey);
      if (childSessionKey) {
        out.push({ type: "spawn", payload: defined({ childSessionKey, runId: asString(accepted?.runId), ...call?.spawn }) });
      }
    }
  }

  private switchModel(
    provider: string | undefined,
    model: string | undefined,
    reason: "model_change" | "snapshot" | "fallback",
    out: Drafts,
  ): void {
    if (!model) return;
    const current = this.model;
    // a line that names only a model keeps the current provider
    const next: ModelRef = defined({ provider: provider ?? current?.provider, model });
    this.model = next;
    if (!current || (current.provider === next.provider && current.model === next.model)) return;
    out.push({ type: "model_switch", payload: { from: { ...current }, to: { ...next }, reason } });
  }

  private remember(id: string, call: PendingCall): void {
    if (this.pending.size >= MAX_PENDING_CALLS) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(id, call);
  }
}

type Drafts = Array<Omit<EventDraft, "seq" | "timestamp" | "orderTs">>;

/** OpenClaw's rule: a result failed when isError is set or its details say error or timeout. */
function isFailedResult(message: Json): boolean {
  if (message.isError === true) return true;
  const status = asString(asObject(message.details)?.status);
  return status !== undefined && FAILED_TOOL_STATUSES.has(status);
}

function lineDetail(line: Json): EventDetail | undefined {
  const entryId = asString(line.id);
  const parentId = line.parentId === null ? null : asString(line.parentId);
  const summary = line.type === "compaction" ? asString(line.summary) : undefined;
  if (entryId === undefined && parentId === undefined && summary === undefined) return undefined;
  return defined({ entryId, parentId, summary });
}

function lineTime(line: Json): number | undefined {
  return parseInstant(line.timestamp) ?? parseInstant(asObject(line.message)?.timestamp);
}

/** Lines of a known kind that rightly yield nothing (a model line naming the current model). */
function isKnownQuietLine(line: Json): boolean {
  return line.type === "model_change" || (line.type === "custom" && line.customType === "model-snapshot");
}

/** A message's text; roles that keep it elsewhere (bash runs, summaries) fall back to those fields. */
function messageText(message: Json): string {
  const text = contentText(message.content);
  if (text) return text;
  if (message.role === "bashExecution") return [asString(message.command), asString(message.output)].filter(Boolean).join("\n");
  return asString(message.summary) ?? "";
}

function usageOf(value: unknown): Json | undefined {
  const usage = asObject(value);
  if (!usage) return undefined;
  const cost = asObject(usage.cost);
  return defined({
    input: asNumber(usage.input),
    output: asNumber(usage.output),
    cacheRead: asNumber(usage.cacheRead),
    cacheWrite: asNumber(usage.cacheWrite),
    totalTokens: asNumber(usage.totalTokens),
    cost: asNumber(cost?.total) ?? asNumber(usage.cost),
  });
}

function spawnArgs(args: unknown): Json {
  const a = asObject(args);
  return defined({ task: asString(a?.task), label: asString(a?.label), agentId: asString(a?.agentId), model: asString(a?.model) });
}

function parseJsonObject(text: string): Json | undefined {
  if (text.length > 65536) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

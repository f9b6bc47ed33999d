/** Builders for pi-coding-agent v3 transcript lines (STORES.md §1a), with ISO line timestamps. */

let counter = 0;
const nextId = () => (++counter).toString(16).padStart(8, "0");

export const at = (epochMs: number) => new Date(epochMs).toISOString();

export function header(sessionId: string, ts: number, extra: Record<string, unknown> = {}) {
  return { type: "session", version: 3, id: sessionId, timestamp: at(ts), cwd: "/work", ...extra };
}

export function entry(type: string, ts: number, fields: Record<string, unknown>) {
  return { type, id: nextId(), parentId: null, timestamp: at(ts), ...fields };
}

/**
 * The lines as pi appends them: each entry whose parentId is null becomes the child of the entry before
 * it (a header starts a new tree, so its first entry stays a root); a parentId already set is kept.
 */
export function chainParents<T extends Record<string, unknown>>(lines: T[]): T[] {
  let previous: unknown = null;
  return lines.map((line) => {
    if (line.type === "session") {
      previous = null;
      return line;
    }
    const chained = line.parentId === null && previous !== null ? { ...line, parentId: previous } : line;
    previous = line.id ?? previous;
    return chained;
  });
}

export function userLine(ts: number, content: unknown) {
  return entry("message", ts, { message: { role: "user", content, timestamp: ts } });
}

export type AssistantOptions = {
  model?: string;
  provider?: string;
  stopReason?: string;
  errorMessage?: string;
  usage?: Record<string, unknown>;
};

export function assistantLine(ts: number, content: unknown[], options: AssistantOptions = {}) {
  return entry("message", ts, {
    message: {
      role: "assistant",
      content,
      api: "anthropic-messages",
      provider: options.provider ?? "anthropic",
      model: options.model ?? "claude-sonnet-4-5",
      usage: options.usage ?? { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15, cost: { total: 0.001 } },
      stopReason: options.stopReason ?? "stop",
      ...(options.errorMessage ? { errorMessage: options.errorMessage } : {}),
      timestamp: ts,
    },
  });
}

export const text = (t: string) => ({ type: "text", text: t });
export const toolCall = (id: string, name: string, args: unknown) => ({ type: "toolCall", id, name, arguments: args });

export function toolResultLine(ts: number, toolCallId: string, toolName: string, resultText: string, isError = false) {
  return entry("message", ts, {
    message: { role: "toolResult", toolCallId, toolName, content: [{ type: "text", text: resultText }], isError, timestamp: ts },
  });
}

export function modelChangeLine(ts: number, provider: string, modelId: string) {
  return entry("model_change", ts, { provider, modelId });
}

export function compactionLine(ts: number, summary: string, tokensBefore: number, firstKeptEntryId = "00000001") {
  return entry("compaction", ts, { summary, firstKeptEntryId, tokensBefore });
}

export function customLine(ts: number, customType: string, data: unknown) {
  return entry("custom", ts, { customType, data });
}

/** A plain conversation of `turns` user/assistant pairs, one second apart, starting at `start`. */
export function conversation(sessionId: string, start: number, turns: number) {
  const lines: Record<string, unknown>[] = [header(sessionId, start)];
  for (let i = 0; i < turns; i++) {
    lines.push(userLine(start + 1000 * (2 * i + 1), `question ${i}`));
    lines.push(assistantLine(start + 1000 * (2 * i + 2), [text(`answer ${i}`)]));
  }
  return lines;
}

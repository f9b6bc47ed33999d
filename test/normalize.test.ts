import { describe, expect, it } from "vitest";
import { TranscriptNormalizer, type EventDraft } from "../src/sources/transcript/normalize.js";
import {
  assistantLine,
  at,
  compactionLine,
  customLine,
  header,
  modelChangeLine,
  text,
  toolCall,
  toolResultLine,
  userLine,
} from "./helpers/pi-lines.js";

/** pi v3 lines (STORES.md §1a) through the normalizer, checked against the EVENTS.md table. */

const T0 = Date.parse("2026-04-01T12:00:00Z");
const USAGE = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15, cost: 0.001 };

/** Drafts as fed; `orderTs` is shown only where it differs from the own time (where times stepped back). */
type Fed = Omit<EventDraft, "orderTs"> & { orderTs?: number };
function feed(lines: unknown[], normalizer = new TranscriptNormalizer()): Fed[] {
  return lines.flatMap((line) => normalizer.line(line)).map(({ orderTs, ...d }) => (orderTs === d.timestamp ? d : { ...d, orderTs }));
}
const types = (drafts: Fed[]) => drafts.map((d) => d.type);

function line(type: string, ts: number, fields: Record<string, unknown>) {
  return { type, id: "0000abcd", parentId: null, timestamp: at(ts), ...fields };
}
function roleLine(ts: number, message: Record<string, unknown>) {
  return line("message", ts, { message: { timestamp: ts, ...message } });
}

describe("header and user messages", () => {
  it("turns the header into session_start {cwd, version} at the header's time", () => {
    expect(feed([header("s1", T0, { cwd: "/home/me/proj", parentSession: "other" })])).toEqual([
      { seq: 1, timestamp: T0, type: "session_start", payload: { cwd: "/home/me/proj", version: 3 } },
    ]);
  });

  it("takes a string content as the text of a user message", () => {
    expect(feed([userLine(T0, "What's the weather?")])).toEqual([
      { seq: 1, timestamp: T0, type: "message", payload: { role: "user", text: "What's the weather?" } },
    ]);
  });

  it("joins text blocks with \\n and never carries image data", () => {
    const drafts = feed([
      userLine(T0, [text("look at this"), { type: "image", data: "iVBORw0KGgoSECRETBASE64", mimeType: "image/png" }, text("and this")]),
    ]);
    expect(drafts).toEqual([{ seq: 1, timestamp: T0, type: "message", payload: { role: "user", text: "look at this\nand this" } }]);
    expect(JSON.stringify(drafts)).not.toContain("iVBORw0KGgoSECRETBASE64");
  });
});

describe("assistant messages", () => {
  it("gives message {role, text, model, provider, stopReason, usage, thinking}", () => {
    const content = [
      { type: "thinking", thinking: "let me think" },
      text("part one"),
      { type: "thinking", thinking: "hidden", redacted: true },
      { type: "thinking", thinking: "more thought" },
      text("part two"),
    ];
    expect(feed([assistantLine(T0, content, { stopReason: "length" })])).toEqual([
      {
        seq: 1,
        timestamp: T0,
        type: "message",
        payload: {
          role: "assistant",
          text: "part one\npart two",
          model: "claude-sonnet-4-5",
          provider: "anthropic",
          stopReason: "length",
          usage: USAGE,
          thinking: "let me think\nmore thought",
        },
      },
    ]);
  });

  it("leaves thinking out when there is none", () => {
    const [draft] = feed([assistantLine(T0, [text("hi")])]);
    expect(draft!.payload).not.toHaveProperty("thinking");
    expect(draft!.payload.text).toBe("hi");
  });

  it("follows the message with one tool_call per toolCall block, in block order", () => {
    const drafts = feed([
      assistantLine(T0, [text("running two tools"), toolCall("call_b", "read", { path: "/x" }), text("and"), toolCall("call_a", "exec", { cmd: "ls" })], {
        stopReason: "toolUse",
      }),
    ]);
    expect(types(drafts)).toEqual(["message", "tool_call", "tool_call"]);
    expect(drafts.map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(drafts.every((d) => d.timestamp === T0)).toBe(true);
    expect(drafts[0]!.payload.text).toBe("running two tools\nand");
    expect(drafts[1]!.payload).toEqual({ toolCallId: "call_b", toolName: "read", args: { path: "/x" } });
    expect(drafts[2]!.payload).toEqual({ toolCallId: "call_a", toolName: "exec", args: { cmd: "ls" } });
  });

  it("adds error {message: errorMessage} last when stopReason is error", () => {
    const drafts = feed([
      assistantLine(T0, [toolCall("c1", "read", {})], { stopReason: "error", errorMessage: "429 rate limited" }),
      assistantLine(T0 + 1, [text("fine")], { stopReason: "aborted" }),
    ]);
    expect(types(drafts)).toEqual(["message", "tool_call", "error", "message"]);
    expect(drafts[2]).toEqual({ seq: 3, timestamp: T0, type: "error", payload: { message: "429 rate limited" } });
    expect(drafts[3]!.payload.stopReason).toBe("aborted");
  });

  it("still gives an error event when an error stop has no errorMessage", () => {
    const drafts = feed([assistantLine(T0, [], { stopReason: "error" })]);
    expect(types(drafts)).toEqual(["message", "error"]);
    expect(typeof drafts[1]!.payload.message).toBe("string");
  });
});

describe("model switch rule", () => {
  const sonnet = { provider: "anthropic", model: "claude-sonnet-4-5" };
  const gpt = { provider: "openai", model: "gpt-5" };

  it("is silent for the first pair and a repeat, and emits model_switch (fallback) before the message on a change", () => {
    const drafts = feed([
      assistantLine(T0, [text("a")]),
      assistantLine(T0 + 1, [text("b")]),
      assistantLine(T0 + 2, [text("c")], { provider: "openai", model: "gpt-5" }),
    ]);
    expect(types(drafts)).toEqual(["message", "message", "model_switch", "message"]);
    expect(drafts[2]).toEqual({ seq: 3, timestamp: T0 + 2, type: "model_switch", payload: { from: sonnet, to: gpt, reason: "fallback" } });
    expect(drafts[3]).toMatchObject({ seq: 4, payload: { text: "c", model: "gpt-5", provider: "openai" } });
  });

  it("ignores gateway-injected and delivery-mirror messages (provider openclaw) but still gives their message", () => {
    const drafts = feed([
      assistantLine(T0, [text("a")]),
      assistantLine(T0 + 1, [text("injected")], { provider: "openclaw", model: "gateway-injected" }),
      assistantLine(T0 + 2, [text("b")]),
      assistantLine(T0 + 3, [text("mirror")], { provider: "openclaw", model: "delivery-mirror" }),
      assistantLine(T0 + 4, [text("c")], { provider: "openai", model: "gpt-5" }),
    ]);
    expect(types(drafts)).toEqual(["message", "message", "message", "message", "model_switch", "message"]);
    expect(drafts[1]!.payload).toMatchObject({ text: "injected", provider: "openclaw", model: "gateway-injected" });
    // the switch is from the last real pair, not from the openclaw one
    expect(drafts[4]!.payload).toEqual({ from: sonnet, to: gpt, reason: "fallback" });
  });

  it("does not treat an openclaw message as the first pair", () => {
    const drafts = feed([
      assistantLine(T0, [text("hello")], { provider: "openclaw", model: "gateway-injected" }),
      assistantLine(T0 + 1, [text("a")]),
      assistantLine(T0 + 2, [text("b")], { provider: "openai", model: "gpt-5" }),
    ]);
    expect(types(drafts)).toEqual(["message", "message", "model_switch", "message"]);
    expect(drafts[2]!.payload).toEqual({ from: sonnet, to: gpt, reason: "fallback" });
  });

  it("emits model_switch with reason model_change and snapshot; first and unchanged model lines are quiet, not skipped", () => {
    const n = new TranscriptNormalizer();
    const drafts = feed(
      [
        header("s", T0),
        modelChangeLine(T0 + 1, "anthropic", "claude-sonnet-4-5"), // first pair: nothing
        assistantLine(T0 + 2, [text("a")]), // same pair: nothing
        modelChangeLine(T0 + 3, "openai", "gpt-5"),
        customLine(T0 + 4, "model-snapshot", { timestamp: T0 + 4, provider: "openai", modelApi: "openai-responses", modelId: "gpt-5" }),
        customLine(T0 + 5, "model-snapshot", { timestamp: T0 + 5, provider: "google", modelApi: "google", modelId: "gemini-3-pro" }),
        assistantLine(T0 + 6, [text("b")], { provider: "google", model: "gemini-3-pro" }),
      ],
      n,
    );
    expect(types(drafts)).toEqual(["session_start", "message", "model_switch", "model_switch", "message"]);
    expect(drafts.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(drafts[2]).toEqual({ seq: 3, timestamp: T0 + 3, type: "model_switch", payload: { from: sonnet, to: gpt, reason: "model_change" } });
    expect(drafts[3]).toEqual({
      seq: 4,
      timestamp: T0 + 5,
      type: "model_switch",
      payload: { from: gpt, to: { provider: "google", model: "gemini-3-pro" }, reason: "snapshot" },
    });
    expect(n.skipped).toBe(0);
  });
});

describe("tool results and spawn", () => {
  it("gives tool_result with durationMs = result time minus the call line's time, and tool_error when isError", () => {
    const drafts = feed([
      assistantLine(T0, [toolCall("c1", "read", { path: "a" }), toolCall("c2", "exec", { cmd: "false" })], { stopReason: "toolUse" }),
      toolResultLine(T0 + 2500, "c1", "read", "file body"),
      toolResultLine(T0 + 4000, "c2", "exec", "exit 1", true),
    ]);
    expect(drafts.slice(3)).toEqual([
      { seq: 4, timestamp: T0 + 2500, type: "tool_result", payload: { toolCallId: "c1", toolName: "read", text: "file body", durationMs: 2500 } },
      { seq: 5, timestamp: T0 + 4000, type: "tool_error", payload: { toolCallId: "c2", toolName: "exec", text: "exit 1", durationMs: 4000 } },
    ]);
  });

  it("leaves durationMs out when the call is unknown, and joins the result's text blocks", () => {
    const result = roleLine(T0, {
      role: "toolResult",
      toolCallId: "nope",
      toolName: "read",
      content: [text("one"), { type: "image", data: "AAAA", mimeType: "image/png" }, text("two")],
      isError: false,
    });
    expect(feed([result])).toEqual([{ seq: 1, timestamp: T0, type: "tool_result", payload: { toolCallId: "nope", toolName: "read", text: "one\ntwo" } }]);
  });

  it("gives spawn {childSessionKey, runId, task, label, agentId, model} after an accepted sessions_spawn result", () => {
    const args = { task: "summarise the logs", label: "logs", agentId: "work", model: "openai/gpt-5", runTimeoutSeconds: 60 };
    const accepted = JSON.stringify({ status: "accepted", runId: "run-1", childSessionKey: "agent:work:subagent:1234" });
    const drafts = feed([assistantLine(T0, [toolCall("sp1", "sessions_spawn", args)], { stopReason: "toolUse" }), toolResultLine(T0 + 300, "sp1", "sessions_spawn", accepted)]);
    expect(types(drafts)).toEqual(["message", "tool_call", "tool_result", "spawn"]);
    expect(drafts[2]!.payload).toEqual({ toolCallId: "sp1", toolName: "sessions_spawn", text: accepted, durationMs: 300 });
    expect(drafts[3]).toEqual({
      seq: 4,
      timestamp: T0 + 300,
      type: "spawn",
      payload: { childSessionKey: "agent:work:subagent:1234", runId: "run-1", task: "summarise the logs", label: "logs", agentId: "work", model: "openai/gpt-5" },
    });
  });

  it("gives spawn with only childSessionKey when the result has no runId and the call is unknown", () => {
    const drafts = feed([toolResultLine(T0, "unknown", "sessions_spawn", JSON.stringify({ childSessionKey: "agent:main:subagent:x" }))]);
    expect(types(drafts)).toEqual(["tool_result", "spawn"]);
    expect(drafts[1]!.payload).toEqual({ childSessionKey: "agent:main:subagent:x" });
  });

  it("gives no spawn for an error result, a non-JSON text, or JSON without childSessionKey", () => {
    const call = (id: string, ts: number) => assistantLine(ts, [toolCall(id, "sessions_spawn", { task: "t" })]);
    const good = JSON.stringify({ status: "accepted", runId: "r", childSessionKey: "agent:main:subagent:y" });
    const drafts = feed([
      call("e1", T0),
      toolResultLine(T0 + 1, "e1", "sessions_spawn", good, true),
      call("e2", T0 + 2),
      toolResultLine(T0 + 3, "e2", "sessions_spawn", "spawned agent:main:subagent:y"),
      call("e3", T0 + 4),
      toolResultLine(T0 + 5, "e3", "sessions_spawn", JSON.stringify({ status: "forbidden", error: "not allowed" })),
      call("e4", T0 + 6),
      toolResultLine(T0 + 7, "e4", "sessions_spawn", JSON.stringify([{ childSessionKey: "agent:main:subagent:z" }])),
    ]);
    expect(types(drafts)).toEqual([
      "message", "tool_call", "tool_error",
      "message", "tool_call", "tool_result",
      "message", "tool_call", "tool_result",
      "message", "tool_call", "tool_result",
    ]);
  });

  it("gives no spawn for another tool whose result happens to hold childSessionKey", () => {
    const drafts = feed([toolResultLine(T0, "c", "sessions_list", JSON.stringify({ childSessionKey: "agent:main:subagent:q" }))]);
    expect(types(drafts)).toEqual(["tool_result"]);
  });
});

describe("other line kinds", () => {
  it("gives message {role, text} for the other roles", () => {
    const drafts = feed([
      roleLine(T0, { role: "bashExecution", content: "ls -la" }),
      roleLine(T0 + 1, { role: "custom", customType: "note", content: [text("custom body")], display: true }),
      roleLine(T0 + 2, { role: "branchSummary", content: "went elsewhere", fromId: "00000001" }),
      roleLine(T0 + 3, { role: "compactionSummary", content: [text("summary"), text("more")], tokensBefore: 1000 }),
    ]);
    expect(drafts.map((d) => [d.seq, d.timestamp, d.type, d.payload])).toEqual([
      [1, T0, "message", { role: "bashExecution", text: "ls -la" }],
      [2, T0 + 1, "message", { role: "custom", text: "custom body" }],
      [3, T0 + 2, "message", { role: "branchSummary", text: "went elsewhere" }],
      [4, T0 + 3, "message", { role: "compactionSummary", text: "summary\nmore" }],
    ]);
  });

  it("gives compaction {tokensBefore, summaryChars, firstKeptEntryId}", () => {
    expect(feed([compactionLine(T0, "twelve chars", 48_000, "0000beef")])).toEqual([
      { seq: 1, timestamp: T0, type: "compaction", payload: { tokensBefore: 48_000, summaryChars: 12, firstKeptEntryId: "0000beef" } },
    ]);
  });

  it("gives state_change for thinking level, label and session name", () => {
    const drafts = feed([
      line("thinking_level_change", T0, { thinkingLevel: "high" }),
      line("label", T0 + 1, { targetId: "00000007", label: "checkpoint A" }),
      line("session_info", T0 + 2, { name: "Refactor session" }),
    ]);
    expect(drafts).toEqual([
      { seq: 1, timestamp: T0, type: "state_change", payload: { key: "thinkingLevel", value: "high" } },
      { seq: 2, timestamp: T0 + 1, type: "state_change", payload: { key: "label", value: "checkpoint A", targetId: "00000007" } },
      { seq: 3, timestamp: T0 + 2, type: "state_change", payload: { key: "name", value: "Refactor session" } },
    ]);
  });

  it("gives custom {kind} for other custom lines, custom_message and branch_summary", () => {
    const drafts = feed([
      customLine(T0, "my-extension-state", { a: 1 }),
      line("custom_message", T0 + 1, { customType: "reminder", content: "do X", display: true, details: {} }),
      line("branch_summary", T0 + 2, { fromId: "00000003", summary: "tried another approach" }),
    ]);
    expect(drafts).toEqual([
      { seq: 1, timestamp: T0, type: "custom", payload: { kind: "my-extension-state" } },
      { seq: 2, timestamp: T0 + 1, type: "custom", payload: { kind: "reminder" } },
      { seq: 3, timestamp: T0 + 2, type: "custom", payload: { kind: "branch_summary" } },
    ]);
  });
});

describe("seq over a whole transcript", () => {
  it("numbers events 1..n across lines (not lines), with no gaps for quiet or skipped lines", () => {
    const n = new TranscriptNormalizer();
    const drafts = feed(
      [
        header("s", T0),
        userLine(T0 + 1, "go"),
        assistantLine(T0 + 2, [text("ok"), toolCall("c1", "read", {}), toolCall("c2", "read", {})]),
        { type: "mystery", timestamp: at(T0 + 3) },
        toolResultLine(T0 + 4, "c1", "read", "r1"),
        modelChangeLine(T0 + 5, "anthropic", "claude-sonnet-4-5"),
        toolResultLine(T0 + 6, "c2", "read", "r2"),
        compactionLine(T0 + 7, "s", 10),
      ],
      n,
    );
    expect(types(drafts)).toEqual(["session_start", "message", "message", "tool_call", "tool_call", "tool_result", "tool_result", "compaction"]);
    expect(drafts.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(n.eventCount).toBe(8);
    expect(n.skipped).toBe(1);
    expect(n.lastTimestamp).toBe(T0 + 7);
  });
});

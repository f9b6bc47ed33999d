import { describe, expect, it } from "vitest";
import { newReadStats, type SourceEvent } from "../src/sources/session.js";
import { TranscriptNormalizer, type EventDraft } from "../src/sources/transcript/normalize.js";
import { stampEvent, transcriptEvents, type RawLine, type RegistryEnd, type TranscriptIdentity } from "../src/sources/transcript/transcript-events.js";
import { assistantLine, at, customLine, header, modelChangeLine, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";

/** Unwrapped legacy and ClawJS lines, timestamps, junk lines, session_end and snapshot/restore. */

const T0 = Date.parse("2026-02-27T08:30:00Z");
const ISO = (ms: number) => new Date(ms).toISOString();

function feed(lines: unknown[], normalizer = new TranscriptNormalizer()): EventDraft[] {
  return lines.flatMap((line) => normalizer.line(line));
}
const brief = (drafts: EventDraft[]) => drafts.map((d) => [d.seq, d.timestamp, d.type, d.payload]);

const identity: TranscriptIdentity = { agent: "main", session: "agent:main:main", sessionId: "sid-1", source: "openclaw-files" };
async function* rawLines(texts: string[]): AsyncGenerator<RawLine> {
  for (const t of texts) yield { text: t, bytes: Buffer.byteLength(t) + 1 };
}
async function events(lines: unknown[], end?: RegistryEnd) {
  const stats = newReadStats();
  const out: SourceEvent[] = [];
  const texts = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l)));
  for await (const e of transcriptEvents(rawLines(texts), identity, end, { stats })) out.push(e);
  return { events: out, stats };
}

describe("unwrapped legacy lines", () => {
  const weather = [
    { role: "user", content: "What's the weather?", timestamp: ISO(T0) },
    { role: "assistant", content: [text("checking"), { type: "tool_use", id: "toolu_01", name: "get_weather", input: { location: "Sydney" } }], timestamp: ISO(T0 + 1000) },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: '{"temp":22}', is_error: false }], timestamp: ISO(T0 + 1800) },
    { role: "assistant", content: [text("It is 22 degrees.")], timestamp: T0 + 2000 },
  ];

  it("maps tool_use to tool_call (input = args) and a tool_result user line to tool_result instead of a message", () => {
    expect(brief(feed(weather))).toEqual([
      [1, T0, "message", { role: "user", text: "What's the weather?" }],
      [2, T0 + 1000, "message", { role: "assistant", text: "checking" }],
      [3, T0 + 1000, "tool_call", { toolCallId: "toolu_01", toolName: "get_weather", args: { location: "Sydney" } }],
      [4, T0 + 1800, "tool_result", { toolCallId: "toolu_01", toolName: "get_weather", text: '{"temp":22}', durationMs: 800 }],
      [5, T0 + 2000, "message", { role: "assistant", text: "It is 22 degrees." }],
    ]);
  });

  it("gives tool_error for is_error, one event per tool_result block in block order, and no user message for the line", () => {
    const drafts = feed([
      { role: "assistant", content: [{ type: "tool_use", id: "a", name: "read", input: { p: 1 } }, { type: "tool_use", id: "b", name: "exec", input: {} }], timestamp: T0 },
      {
        role: "user",
        content: [
          text("here are the results"),
          { type: "tool_result", tool_use_id: "b", content: [text("boom"), text("trace")], is_error: true },
          { type: "tool_result", tool_use_id: "a", content: "ok" },
        ],
        timestamp: T0 + 50,
      },
    ]);
    expect(brief(drafts).slice(3)).toEqual([
      [4, T0 + 50, "tool_error", { toolCallId: "b", toolName: "exec", text: "boom\ntrace", durationMs: 50 }],
      [5, T0 + 50, "tool_result", { toolCallId: "a", toolName: "read", text: "ok", durationMs: 50 }],
    ]);
    expect(drafts.filter((d) => d.type === "message" && d.payload.role === "user")).toEqual([]);
  });

  it("accepts epoch-ms timestamps as a number and as a digit string", () => {
    const drafts = feed([
      { role: "user", content: "a", timestamp: T0 },
      { role: "user", content: "b", timestamp: String(T0 + 5) },
    ]);
    expect(drafts.map((d) => d.timestamp)).toEqual([T0, T0 + 5]);
  });

  it("makes a spawn from a legacy sessions_spawn tool_use / tool_result pair", () => {
    const drafts = feed([
      { role: "assistant", content: [{ type: "tool_use", id: "s1", name: "sessions_spawn", input: { task: "go", label: "L" } }], timestamp: T0 },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "s1", content: JSON.stringify({ runId: "r9", childSessionKey: "agent:main:subagent:k" }) }], timestamp: T0 + 9 },
    ]);
    expect(drafts.map((d) => d.type)).toEqual(["message", "tool_call", "tool_result", "spawn"]);
    expect(drafts[3]!.payload).toEqual({ childSessionKey: "agent:main:subagent:k", runId: "r9", task: "go", label: "L" });
  });
});

describe("ClawJS lines", () => {
  it("maps the header and user/assistant/system/tool messages like unwrapped lines", () => {
    const msg = (ts: number, role: string, body: string) => ({
      type: "message",
      id: `m-${ts}`,
      timestamp: ISO(ts),
      message: { role, content: [{ type: "text", text: body }] },
      attachments: [],
    });
    const drafts = feed([
      { type: "session", id: "clawjs-1234", timestamp: ISO(T0), title: "Trip planning" },
      msg(T0 + 1, "system", "be brief"),
      msg(T0 + 2, "user", "plan a trip"),
      msg(T0 + 3, "assistant", "sure"),
      msg(T0 + 4, "tool", "search results"),
    ]);
    expect(brief(drafts)).toEqual([
      [1, T0, "session_start", { title: "Trip planning" }],
      [2, T0 + 1, "message", { role: "system", text: "be brief" }],
      [3, T0 + 2, "message", { role: "user", text: "plan a trip" }],
      [4, T0 + 3, "message", { role: "assistant", text: "sure" }],
      [5, T0 + 4, "tool_result", { text: "search results" }],
    ]);
  });
});

describe("flat message lines", () => {
  it("reads a ClawJS message line whose role and content sit on the line itself", () => {
    const flat = { type: "message", id: "m1", role: "user", content: "hi", timestamp: ISO(T0) };
    const normalizer = new TranscriptNormalizer();
    expect(brief(feed([flat], normalizer))).toEqual([[1, T0, "message", { role: "user", text: "hi" }]]);
    expect(normalizer.skipped).toBe(0);
  });

  it("takes a summary message's text from its summary field when it has no content", () => {
    const lines = [
      { type: "message", timestamp: ISO(T0), message: { role: "branchSummary", summary: "tried the other branch", fromId: "a" } },
      { type: "message", timestamp: ISO(T0 + 1), message: { role: "compactionSummary", summary: "earlier: weather", tokensBefore: 9 } },
    ];
    expect(feed(lines).map((d) => d.payload)).toEqual([
      { role: "branchSummary", text: "tried the other branch" },
      { role: "compactionSummary", text: "earlier: weather" },
    ]);
  });
});

describe("timestamps", () => {
  it("uses the line's timestamp, not the inner message's", () => {
    const line = { ...userLine(T0, "hi"), message: { role: "user", content: "hi", timestamp: T0 - 3_600_000 } };
    expect(feed([line])[0]!.timestamp).toBe(T0);
    const msLine = { ...userLine(T0, "hi"), timestamp: T0 + 7 };
    expect(feed([msLine])[0]!.timestamp).toBe(T0 + 7);
  });

  it("keeps a line's own time when it goes backwards, and sorts it by the running maximum (orderTs)", async () => {
    const { events: out } = await events([
      header("s", T0),
      userLine(T0 + 5000, "later"),
      assistantLine(T0 + 1000, [text("clock went back"), toolCall("c", "read", {})]),
      userLine(T0 + 6000, "on time"),
    ]);
    expect(out.map((e) => [e.seq, e.timestamp, e.orderTs, e.type, e.meta])).toEqual([
      [1, T0, T0, "session_start", { source: "openclaw-files" }],
      [2, T0 + 5000, T0 + 5000, "message", { source: "openclaw-files" }],
      [3, T0 + 1000, T0 + 5000, "message", { source: "openclaw-files" }],
      [4, T0 + 1000, T0 + 5000, "tool_call", { source: "openclaw-files" }],
      [5, T0 + 6000, T0 + 6000, "message", { source: "openclaw-files" }],
    ]);
  });

  it("gives a line without a usable timestamp the previous event's time", () => {
    const drafts = feed([userLine(T0, "a"), { role: "user", content: "no time" }, { role: "user", content: "bad time", timestamp: "not a date" }]);
    expect(drafts.map((d) => d.timestamp)).toEqual([T0, T0, T0]);
    const stepped = feed([userLine(T0, "a"), userLine(T0 - 5, "back"), { role: "user", content: "no time" }]);
    expect(stepped.map((d) => [d.timestamp, d.orderTs])).toEqual([[T0, T0], [T0 - 5, T0], [T0 - 5, T0]]);
  });

  it("stampEvent sets id, identity and meta from a draft", () => {
    const draft: EventDraft = { seq: 7, timestamp: T0, orderTs: T0 + 10, type: "message", payload: { role: "user", text: "x" } };
    expect(stampEvent(draft, identity)).toEqual({
      id: "sid-1:7",
      seq: 7,
      timestamp: T0,
      orderTs: T0 + 10,
      agent: "main",
      session: "agent:main:main",
      sessionId: "sid-1",
      type: "message",
      payload: { role: "user", text: "x" },
      meta: { source: "openclaw-files" },
    });
  });
});

describe("junk lines", () => {
  const junk: unknown[] = [
    42, [], null, "str", true, {},
    { type: "bogus", timestamp: ISO(T0) },
    { type: 5 },
    { type: "message", timestamp: ISO(T0) },
    { type: "message", message: "hello" },
    { type: "message", message: [1, 2] },
    { type: "message", message: { role: 42, content: "x" } },
    { role: ["user"], content: "x" },
  ];

  it("yields nothing for each, counts each as skipped, never throws, and leaves seq and time alone", () => {
    const n = new TranscriptNormalizer();
    n.line(userLine(T0, "first"));
    for (const value of junk) expect(n.line(value)).toEqual([]);
    expect(n.skipped).toBe(junk.length);
    expect(n.line(userLine(T0 + 1, "next"))).toEqual([{ seq: 2, timestamp: T0 + 1, orderTs: T0 + 1, type: "message", payload: { role: "user", text: "next" } }]);
  });

  it("counts unparsable text, blank lines and oversized lines as skipped in transcriptEvents", async () => {
    const stats = newReadStats();
    const lines: RawLine[] = [
      { text: JSON.stringify(userLine(T0, "ok")), bytes: 50 },
      { text: "{not json", bytes: 10 },
      { text: "   ", bytes: 4 },
      { text: "", bytes: 200, oversized: true },
      { text: "42", bytes: 3 },
      { text: '{"type":"message","message":{"role":"user","content":"cut', bytes: 57, complete: false },
    ];
    async function* gen() {
      yield* lines;
    }
    const out: SourceEvent[] = [];
    for await (const e of transcriptEvents(gen(), identity, undefined, { stats })) out.push(e);
    expect(out.map((e) => e.payload.text)).toEqual(["ok"]);
    expect(stats).toEqual({ linesRead: 6, bytesRead: 324, sessionsRead: 0, skippedLines: 5 });
  });

  it("survives blocks and fields of the wrong type in an otherwise valid message", () => {
    const drafts = feed([
      {
        type: "message",
        timestamp: ISO(T0),
        message: { role: "assistant", content: [null, 7, "x", { type: "text", text: 5 }, { type: "toolCall", id: 9, name: {} }], model: 3, usage: "lots", stopReason: {} },
      },
    ]);
    expect(brief(drafts)).toEqual([
      [1, T0, "message", { role: "assistant", text: "" }],
      [2, T0, "tool_call", { args: {} }],
    ]);
  });
});

describe("sessionEnd", () => {
  it("gives none when the transcript went on well after the recorded end (the session resumed)", () => {
    const normalizer = new TranscriptNormalizer();
    feed([userLine(T0, "first run"), userLine(T0 + 3_600_000, "resumed an hour later")], normalizer);
    expect(normalizer.sessionEnd({ status: "done", endedAt: T0 + 1000 })).toBeUndefined();
    const end = normalizer.sessionEnd({ status: "done", endedAt: T0 + 3_600_000 - 30_000 });
    expect([end?.timestamp, end?.orderTs]).toEqual([T0 + 3_600_000 - 30_000, T0 + 3_600_000]);
  });


  it("gives session_end {status, runtimeMs} at endedAt with seq = last seq + 1 for done, failed, killed and timeout", () => {
    for (const status of ["done", "failed", "killed", "timeout"]) {
      const n = new TranscriptNormalizer();
      feed([header("s", T0), userLine(T0 + 1, "a")], n);
      expect(n.sessionEnd({ status, endedAt: T0 + 500, updatedAt: T0 + 900, runtimeMs: 499 })).toEqual({
        seq: 3,
        timestamp: T0 + 500,
        orderTs: T0 + 500,
        type: "session_end",
        payload: { status, runtimeMs: 499 },
      });
    }
  });

  it("gives nothing for running, unknown or missing status", () => {
    const n = new TranscriptNormalizer();
    feed([userLine(T0, "a")], n);
    for (const status of ["running", "complete", "", undefined]) expect(n.sessionEnd({ status, endedAt: T0 + 1 })).toBeUndefined();
  });

  it("is not recorded, so a line read later still takes the next seq", () => {
    const n = new TranscriptNormalizer();
    feed([userLine(T0, "a")], n);
    expect(n.sessionEnd({ status: "done", endedAt: T0 + 1 })!.seq).toBe(2);
    expect(n.sessionEnd({ status: "done", endedAt: T0 + 1 })!.seq).toBe(2);
    expect(feed([userLine(T0 + 2, "b")], n)[0]!.seq).toBe(2);
  });

  it("comes last in transcriptEvents, at endedAt, sorting after the last event", async () => {
    const { events: out } = await events([header("s", T0), userLine(T0 + 100, "a")], { status: "failed", endedAt: T0 + 50 });
    expect(out.map((e) => [e.seq, e.type, e.timestamp, e.orderTs])).toEqual([
      [1, "session_start", T0, T0],
      [2, "message", T0 + 100, T0 + 100],
      [3, "session_end", T0 + 50, T0 + 100],
    ]);
    expect(out[2]!.payload).toEqual({ status: "failed" });
    expect(out[2]!.meta).toEqual({ source: "openclaw-files" });
    expect(out[2]!.id).toBe("sid-1:3");
  });
});

describe("snapshot and restore", () => {
  const transcript: unknown[] = [
    header("s", T0),
    modelChangeLine(T0 + 1, "anthropic", "claude-sonnet-4-5"),
    userLine(T0 + 2, "spawn a helper and read a file"),
    assistantLine(T0 + 3, [text("on it"), toolCall("sp", "sessions_spawn", { task: "help", label: "helper", agentId: "work", model: "m" }), toolCall("rd", "read", { path: "x" })]),
    { type: "nonsense" },
    userLine(T0 + 1, "clock went back"),
    toolResultLine(T0 + 10, "rd", "read", "contents"),
    customLine(T0 + 11, "model-snapshot", { provider: "openai", modelId: "gpt-5" }),
    toolResultLine(T0 + 20, "sp", "sessions_spawn", JSON.stringify({ status: "accepted", runId: "r", childSessionKey: "agent:work:subagent:h" })),
    { role: "assistant", content: [{ type: "tool_use", id: "lg", name: "legacy_tool", input: {} }], timestamp: T0 + 21 },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "lg", content: "done" }], timestamp: T0 + 30 },
    assistantLine(T0 + 31, [text("switching back")]),
  ];

  it("a normalizer restored from a snapshot after line k yields exactly what one that read everything yields for lines k+1..", () => {
    const whole = new TranscriptNormalizer();
    const perLine = transcript.map((l) => whole.line(l));
    expect(perLine.flat().map((d) => d.type)).toContain("spawn");
    expect(perLine.flat().filter((d) => d.type === "model_switch")).toHaveLength(2);
    for (let k = 0; k <= transcript.length; k++) {
      const first = new TranscriptNormalizer();
      feed(transcript.slice(0, k), first);
      const state = JSON.parse(JSON.stringify(first.snapshot()));
      const resumed = new TranscriptNormalizer(state);
      expect(feed(transcript.slice(k), resumed), `resumed after ${k} lines`).toEqual(perLine.slice(k).flat());
      expect(resumed.sessionEnd({ status: "done", endedAt: T0 + 100 })).toEqual(whole.sessionEnd({ status: "done", endedAt: T0 + 100 }));
    }
  });

  it("takes a snapshot that later lines do not change", () => {
    const n = new TranscriptNormalizer();
    feed(transcript.slice(0, 4), n);
    const state = n.snapshot();
    const copy = JSON.parse(JSON.stringify(state));
    feed(transcript.slice(4), n);
    expect(state).toEqual(copy);
    expect(state.seq).toBe(5); // session_start, user message, assistant message, 2 tool_calls
    expect(state.pending.map(([id]) => id)).toEqual(["sp", "rd"]);
  });
});

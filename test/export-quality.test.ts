/** Quality and dedupe rules, each shown by a small fixture; and the splitter's boundaries. */
import { describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import type { Conversation, Turn } from "../src/export/conversation.js";
import { Deduper } from "../src/export/dedupe.js";
import { DEFAULT_RULES, judge, QualityRulesSchema } from "../src/export/quality.js";
import { runExport } from "../src/export/run-export.js";
import type { Sink } from "../src/export/sink.js";
import { ConversationSplitter } from "../src/export/split.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const turn = (prompt: string, answer: string): Turn => ({ messages: [{ role: "user", text: prompt }, { role: "assistant", text: answer, toolCalls: [] }], failed: false });
const conversation = (turns: Turn[], feedback?: string): Conversation => ({
  agent: "main", session: "agent:main:main", sessionId: "s", firstSeq: 1, lastSeq: 9, startTime: 0, turns, failedTurns: 0, orphans: 0, ...(feedback !== undefined ? { feedback } : {}),
});
const PLAIN = "The function returns the sum of both arguments after checking their types.";

describe("quality rules", () => {
  it("a plain adequate answer scores the neutral 0.5 (kept at the default minimum)", () => {
    expect(judge(conversation([turn("What does add() do?", PLAIN)]))).toEqual({ score: 0.5, signals: [] });
  });
  it("a short answer and a short prompt score lower", () => {
    expect(judge(conversation([turn("What does add() do?", "It adds.")])).signals).toEqual(["short_answer"]);
    expect(judge(conversation([turn("?", PLAIN)])).score).toBeLessThan(0.5);
  });
  it("the next user message's praise raises and its rejection lowers the turn before it", () => {
    const praised = judge(conversation([turn("Fix the bug in add()", PLAIN), turn("Thanks, that works! Now sub()", PLAIN)]));
    const rejected = judge(conversation([turn("Fix the bug in add()", PLAIN), turn("That's wrong, it still fails.", PLAIN)]));
    expect(praised.signals).toContain("praised");
    expect(rejected.signals).toContain("rejected");
    expect(praised.score).toBeGreaterThan(0.5);
    expect(rejected.score).toBeLessThan(0.5);
    // the last turn is judged by the user message after the conversation
    expect(judge(conversation([turn("Fix the bug in add()", PLAIN)], "nope, try again")).signals).toContain("rejected");
    // whole words: "networks" is not "works", "known" is not "no,"
    expect(judge(conversation([turn("Fix the bug in add()", PLAIN)], "what about networks, known ones")).signals).toEqual([]);
  });
  it("code and structure raise the score", () => {
    const code = judge(conversation([turn("Show me add()", "Here it is:\n\n```ts\nexport const add = (a: number, b: number) => a + b;\n```")]));
    const list = judge(conversation([turn("How do I release?", "Three steps:\n\n1. bump the version\n2. tag it\n3. push the tag")]));
    expect(code.signals).toEqual(["code"]);
    expect(list.signals).toEqual(["structure"]);
    expect(code.score).toBeGreaterThan(0.5);
  });
  it('"I don\'t know" answers score low (and are dropped at the default minimum)', () => {
    const unsure = judge(conversation([turn("Why does the build fail on CI?", "I don’t know why the build fails there; maybe check the logs.")]));
    expect(unsure.signals).toEqual(["unsure"]);
    expect(unsure.score).toBeLessThan(DEFAULT_RULES.minScore);
  });
  it("rules are configurable (a file's JSON, checked)", () => {
    const strict = QualityRulesSchema.parse({ minAnswerChars: 200, unsure: ["maybe"] });
    expect(judge(conversation([turn("What does add() do?", PLAIN)]), strict).signals).toEqual(["short_answer"]);
    expect(QualityRulesSchema.safeParse({ minScore: 3 }).success).toBe(false);
    expect(QualityRulesSchema.safeParse({ bogus: 1 }).success).toBe(false);
  });
});

describe("near-duplicates (normalized-text hash)", () => {
  it("conversations differing only in numbers, ids, case, punctuation or spacing collide; others do not", () => {
    const dedupe = new Deduper();
    expect(dedupe.firstSeen(conversation([turn("Deploy build 1234 to staging", "Deployed build 1234 (id 3f1e2c4a9b).")]))).toBe(true);
    expect(dedupe.firstSeen(conversation([turn("deploy build 987 to staging!", "Deployed  build 987 (id 77aa01bc3d)")]))).toBe(false);
    expect(dedupe.firstSeen(conversation([turn("Deploy build 1234 to production", "Deployed build 1234 (id 3f1e2c4a9b).")]))).toBe(true);
  });
});

const event = (seq: number, type: string, payload: Record<string, unknown>, sessionId = "s1", session = "agent:main:main"): SessionEvent => ({
  id: `${sessionId}:${seq}`, seq, timestamp: seq * 1000, time: "", agent: "main", session, sessionId, type: type as SessionEvent["type"], visibility: "public", payload,
});
const user = (seq: number, t: string, sessionId?: string, session?: string) => event(seq, "message", { role: "user", text: t }, sessionId, session);
const assistant = (seq: number, t: string, stopReason = "stop", sessionId?: string, session?: string) => event(seq, "message", { role: "assistant", text: t, stopReason }, sessionId, session);

function split(events: SessionEvent[], maxTurns = 20): Conversation[] {
  const splitter = new ConversationSplitter(maxTurns);
  return [...events.flatMap((e) => splitter.push(e)), ...splitter.finish()];
}

describe("splitting", () => {
  it("splits at a compaction, a reset and a new transcript of the key; the next user message is the feedback", () => {
    const out = split([
      user(1, "a"), assistant(2, "A"), event(3, "compaction", {}),
      user(4, "b"), assistant(5, "B"), event(6, "state_change", { key: "reset", value: "new" }),
      user(7, "c"), assistant(8, "C"),
      user(1, "thanks", "s2"), assistant(2, "D", "stop", "s2"),
    ]);
    expect(out.map((c) => c.turns.map((t) => (t.messages[0] as { text: string }).text))).toEqual([["a"], ["b"], ["c"], ["thanks"]]);
    expect(out.map((c) => c.feedback)).toEqual(["b", "c", "thanks", undefined]);
  });
  it("--max-turns closes a conversation, the next prompt as its feedback", () => {
    const out = split([user(1, "a"), assistant(2, "A"), user(3, "b"), assistant(4, "B"), user(5, "c"), assistant(6, "C")], 2);
    expect(out.map((c) => c.turns.length)).toEqual([2, 1]);
    expect(out[0]!.feedback).toBe("c");
  });
  it("failed turns (error, aborted, no final answer) are left out and counted", () => {
    const out = split([user(1, "a"), assistant(2, "", "error"), user(3, "b"), assistant(4, "half", "aborted"), user(5, "c"), assistant(6, "C")]);
    expect(out).toHaveLength(1);
    expect(out[0]!.turns).toHaveLength(1);
    expect(out[0]!.failedTurns).toBe(2);
  });
  it("interleaved sessions are kept apart", () => {
    const out = split([user(1, "a"), user(1, "x", "t1", "agent:main:other"), assistant(2, "A"), assistant(2, "X", "stop", "t1", "agent:main:other")]);
    expect(out.map((c) => [c.session, c.turns.length])).toEqual([["agent:main:main", 1], ["agent:main:other", 1]]);
  });
});

describe("runExport in process: stats", () => {
  it("writes each conversation's score and why it was dropped", async () => {
    const store = new TempStateDir("export-quality-");
    try {
      const lines = (id: string, prompt: string, answer: string) => [header(id, 0), userLine(1000, prompt), assistantLine(2000, [text(answer)])];
      store.registry("main", { "agent:main:a": { sessionId: "a" }, "agent:main:b": { sessionId: "b" }, "agent:main:c": { sessionId: "c" } });
      store.transcript("main", "a.jsonl", lines("a", "Deploy build 12 to staging", "Deployed build 12 to staging; all checks are green."));
      store.transcript("main", "b.jsonl", lines("b", "Deploy build 13 to staging", "Deployed build 13 to staging; all checks are green."));
      store.transcript("main", "c.jsonl", lines("c", "Why is CI red?", "I'm not sure, I cannot tell from here."));
      const written: string[] = [];
      const stats: string[] = [];
      const sink = (into: string[]): Sink => ({ write: async (t) => void into.push(t), end: async () => undefined });
      const summary = await runExport(contextFor(store.root), { many: {} }, { format: "openai", maxTurns: 20, rules: DEFAULT_RULES, out: sink(written), stats: sink(stats) });
      expect(summary.conversations).toBe(1);
      expect(summary.dropped).toEqual({ lowScore: 1, duplicate: 1, noWholeTurn: 0 });
      const rows = stats.map((s) => JSON.parse(s) as { session: string; score: number; kept: boolean; dropped?: string; signals: string[] });
      expect(rows.map((r) => [r.session, r.kept, r.dropped ?? null])).toEqual([
        ["agent:main:a", true, null],
        ["agent:main:b", false, "duplicate"],
        ["agent:main:c", false, "low_score"],
      ]);
      expect(rows[2]!.signals).toContain("unsure");
      expect(written).toHaveLength(1);
    } finally {
      store.remove();
    }
  });
});

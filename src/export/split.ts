import type { SessionEvent } from "../contract/event.js";
import type { ChatMessage, Conversation, ToolCall, Turn } from "./conversation.js";

/** A conversation's last turn is judged by the user message after it: a closed one waits this long (stream time) for it. */
const FEEDBACK_WAIT_MS = 6 * 3_600_000;
/** A conversation with no new event for this long (stream time) is closed; so is the oldest beyond MAX_OPEN. */
const IDLE_CLOSE_MS = 6 * 3_600_000;
const MAX_OPEN = 2_000;
const FAILED_STOP_REASONS = new Set(["error", "aborted", "length"]);

type Open = { conversation: Conversation; turn?: Turn; lastTime: number };
type Waiting = { conversation: Conversation; since: number };

/**
 * Turns the event stream (sessions interleaved, each in seq order) into conversations. A conversation
 * ends at a compaction, a reset or rewind (state_change reset / leaf), a new transcript (session_start,
 * or another sessionId under the same key), after `maxTurns` turns, or when its session goes idle.
 * Memory holds only the conversations still open (bounded by MAX_OPEN and maxTurns).
 */
export class ConversationSplitter {
  private readonly open = new Map<string, Open>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly transcriptOfKey = new Map<string, string>();

  constructor(private readonly maxTurns: number) {}

  /** Takes one event; returns the conversations it completed (ready to judge). */
  push(event: SessionEvent): Conversation[] {
    const done: Conversation[] = [];
    const p = event.payload as Record<string, unknown>;
    const previous = this.transcriptOfKey.get(event.session);
    if (previous !== undefined && previous !== event.sessionId) this.close(previous, done, event.timestamp);
    this.transcriptOfKey.set(event.session, event.sessionId);

    if (event.type === "message" && p.role === "user") this.answerWaiting(event.session, String(p.text ?? ""), done);
    switch (event.type) {
      case "session_start":
      case "compaction":
        this.close(event.sessionId, done, event.timestamp);
        return done;
      case "state_change":
        if (p.key === "reset" || p.key === "leaf") this.close(event.sessionId, done, event.timestamp);
        return done;
      default:
    }
    const open = this.openFor(event, done);
    open.lastTime = event.timestamp;
    open.conversation.lastSeq = event.seq;
    if (event.type === "message" && p.role === "user") {
      this.userMessage(open, String(p.text ?? ""), done, event);
    } else if (event.type === "message" && p.role === "assistant") {
      if (!open.turn) {
        open.conversation.orphans++;
        return done;
      }
      open.turn.messages.push({ role: "assistant", text: String(p.text ?? ""), toolCalls: [] });
      if (FAILED_STOP_REASONS.has(String(p.stopReason))) open.turn.failed = true;
    } else if (event.type === "tool_call") {
      const last = open.turn?.messages[open.turn.messages.length - 1];
      if (last?.role !== "assistant") open.conversation.orphans++;
      else last.toolCalls.push({ id: String(p.toolCallId ?? ""), name: String(p.toolName ?? "tool"), args: p.args ?? {} });
    } else if (event.type === "tool_result" || event.type === "tool_error") {
      const id = String(p.toolCallId ?? "");
      const called = open.turn?.messages.some((m) => m.role === "assistant" && m.toolCalls.some((c) => c.id === id));
      const answered = open.turn?.messages.some((m) => m.role === "tool" && m.toolCallId === id);
      if (!open.turn || !called || answered) open.conversation.orphans++;
      else open.turn.messages.push({ role: "tool", toolCallId: id, name: String(p.toolName ?? "tool"), text: String(p.text ?? ""), isError: event.type === "tool_error" });
    } else if (event.type === "error") {
      if (open.turn) open.turn.failed = true;
    }
    return done;
  }

  /** Closes conversations idle (in stream time) since before `now`, and ends waits for feedback. */
  closeIdle(now: number): Conversation[] {
    const done: Conversation[] = [];
    for (const [sessionId, open] of this.open) if (now - open.lastTime > IDLE_CLOSE_MS) this.close(sessionId, done, now);
    for (const [key, wait] of this.waiting) {
      if (now - wait.since > FEEDBACK_WAIT_MS) {
        this.waiting.delete(key);
        done.push(wait.conversation);
      }
    }
    return done;
  }

  /** At the end of the stream: everything still open or waiting. */
  finish(): Conversation[] {
    const done: Conversation[] = [];
    for (const sessionId of [...this.open.keys()]) this.close(sessionId, done, Number.MAX_SAFE_INTEGER);
    for (const wait of this.waiting.values()) done.push(wait.conversation);
    this.waiting.clear();
    return done;
  }

  private openFor(event: SessionEvent, done: Conversation[]): Open {
    let open = this.open.get(event.sessionId);
    if (!open) {
      if (this.open.size >= MAX_OPEN) {
        const oldest = [...this.open.entries()].reduce((a, b) => (b[1].lastTime < a[1].lastTime ? b : a));
        this.close(oldest[0], done, event.timestamp);
      }
      open = {
        conversation: { agent: event.agent, session: event.session, sessionId: event.sessionId, firstSeq: event.seq, lastSeq: event.seq, startTime: event.timestamp, turns: [], failedTurns: 0, orphans: 0 },
        lastTime: event.timestamp,
      };
      this.open.set(event.sessionId, open);
    }
    return open;
  }

  private userMessage(open: Open, text: string, done: Conversation[], event: SessionEvent): void {
    const turn = open.turn;
    if (turn && turn.messages.length === 1) {
      // two user messages in a row: one prompt
      const first = turn.messages[0] as Extract<ChatMessage, { role: "user" }>;
      first.text = first.text ? `${first.text}\n\n${text}` : text;
      return;
    }
    if (turn) this.endTurn(open);
    if (open.conversation.turns.length >= this.maxTurns) {
      this.close(event.sessionId, done, event.timestamp, text);
      const fresh = this.openFor(event, done);
      fresh.turn = { messages: [{ role: "user", text }], failed: false };
      fresh.lastTime = event.timestamp;
      return;
    }
    open.turn = { messages: [{ role: "user", text }], failed: false };
  }

  /** Keeps a finished turn if it is whole: calls without results left out, ending in an answer, not failed. */
  private endTurn(open: Open): void {
    const turn = open.turn;
    open.turn = undefined;
    if (!turn) return;
    const answered = new Set(turn.messages.flatMap((m) => (m.role === "tool" ? [m.toolCallId] : [])));
    const messages: ChatMessage[] = [];
    for (const message of turn.messages) {
      if (message.role !== "assistant") {
        messages.push(message);
        continue;
      }
      const calls: ToolCall[] = message.toolCalls.filter((c) => answered.has(c.id));
      open.conversation.orphans += message.toolCalls.length - calls.length;
      if (message.text.trim() === "" && calls.length === 0) continue;
      messages.push({ ...message, toolCalls: calls });
    }
    const last = messages[messages.length - 1];
    const whole = !turn.failed && last?.role === "assistant" && last.toolCalls.length === 0 && last.text.trim() !== "";
    if (whole) open.conversation.turns.push({ messages, failed: false });
    else open.conversation.failedTurns++;
  }

  private close(sessionId: string, done: Conversation[], now: number, nextUserText?: string): void {
    const open = this.open.get(sessionId);
    if (!open) return;
    this.endTurn(open);
    this.open.delete(sessionId);
    const conversation = open.conversation;
    if (nextUserText !== undefined) {
      conversation.feedback = nextUserText;
      done.push(conversation);
      return;
    }
    const key = conversation.session;
    const earlier = this.waiting.get(key);
    if (earlier) done.push(earlier.conversation);
    this.waiting.set(key, { conversation, since: Math.min(now, open.lastTime) });
  }

  private answerWaiting(sessionKey: string, text: string, done: Conversation[]): void {
    const wait = this.waiting.get(sessionKey);
    if (!wait) return;
    this.waiting.delete(sessionKey);
    wait.conversation.feedback = text;
    done.push(wait.conversation);
  }
}

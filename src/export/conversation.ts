/** A conversation as export sees it: turns of a user message and the agent's answer, with its tool steps. */

export type ToolCall = { id: string; name: string; args: unknown };

export type ChatMessage =
  | { role: "user"; text: string }
  | { role: "assistant"; text: string; toolCalls: ToolCall[] }
  | { role: "tool"; toolCallId: string; name: string; text: string; isError: boolean };

/** One user message and everything the agent did about it, up to the next user message. */
export type Turn = { messages: ChatMessage[]; failed: boolean };

export type Conversation = {
  agent: string;
  session: string;
  sessionId: string;
  firstSeq: number;
  lastSeq: number;
  startTime: number;
  turns: Turn[];
  /** The user message that followed the conversation's last turn (praise or rejection of it), if any. */
  feedback?: string;
  /** Turns left out because they failed (assistant error, aborted, cut off, no final answer). */
  failedTurns: number;
  /** Tool results without a call, and calls without a result, left out. */
  orphans: number;
};

/** The answer a turn ends in: the text of its last assistant message. */
export function finalAnswer(turn: Turn): string {
  const last = turn.messages[turn.messages.length - 1];
  return last?.role === "assistant" ? last.text : "";
}

export function userText(turn: Turn): string {
  const first = turn.messages[0];
  return first?.role === "user" ? first.text : "";
}

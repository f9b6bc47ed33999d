import { finalAnswer, userText, type Conversation } from "../conversation.js";
import { argsObject, toolsOf } from "../tool-schema.js";

type Entry = { from: "human" | "gpt" | "function_call" | "observation"; value: string };

/**
 * LLaMA-Factory's sharegpt: human and observation at odd positions, gpt and function_call at even ones.
 * Each turn is its prompt (human), each assistant step with tool calls as one function_call (one call,
 * or a list of parallel calls) and one observation (the result, or a list of the results in call
 * order), then the final answer (gpt). The format has no place for an assistant's text between tool
 * steps: that is left out.
 */
export function sharegptRecord(conversation: Conversation, system: string | undefined): Record<string, unknown> {
  const entries: Entry[] = [];
  for (const turn of conversation.turns) {
    entries.push({ from: "human", value: userText(turn) });
    for (const m of turn.messages) {
      if (m.role !== "assistant" || m.toolCalls.length === 0) continue;
      const calls = m.toolCalls.map((c) => ({ name: c.name, arguments: argsObject(c.args) }));
      entries.push({ from: "function_call", value: JSON.stringify(calls.length === 1 ? calls[0] : calls) });
      const results = m.toolCalls.map((c) => {
        const result = turn.messages.find((r) => r.role === "tool" && r.toolCallId === c.id);
        return result?.role === "tool" ? result.text : "";
      });
      entries.push({ from: "observation", value: results.length === 1 ? results[0]! : JSON.stringify(results) });
    }
    entries.push({ from: "gpt", value: finalAnswer(turn) });
  }
  const tools = toolsOf(conversation).map((t) => ({ name: t.name, description: "", parameters: t.parameters }));
  return {
    conversations: entries,
    ...(system !== undefined ? { system } : {}),
    ...(tools.length > 0 ? { tools: JSON.stringify(tools) } : {}),
  };
}

import type { Conversation } from "../conversation.js";
import { argsObject, toolsOf } from "../tool-schema.js";

/** OpenAI chat fine-tuning JSONL: one `{messages, tools?}` per line. */
export function openaiRecord(conversation: Conversation, system: string | undefined): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [];
  if (system !== undefined) messages.push({ role: "system", content: system });
  for (const turn of conversation.turns) {
    for (const m of turn.messages) {
      if (m.role === "user") messages.push({ role: "user", content: m.text });
      else if (m.role === "tool") messages.push({ role: "tool", tool_call_id: m.toolCallId, content: m.text });
      else if (m.toolCalls.length === 0) messages.push({ role: "assistant", content: m.text });
      else {
        messages.push({
          role: "assistant",
          ...(m.text.trim() !== "" ? { content: m.text } : {}),
          tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(argsObject(c.args)) } })),
        });
      }
    }
  }
  const tools = toolsOf(conversation).map((t) => ({ type: "function", function: { name: t.name, parameters: t.parameters } }));
  return tools.length > 0 ? { messages, tools } : { messages };
}

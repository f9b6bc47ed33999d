import { asArray, asObject, asString } from "./values.js";

const TEXT_BLOCKS = new Set(["text", "input_text", "output_text"]);

/** The text of a message `content`: a string as is, else its text blocks joined with "\n". Images carry nothing. */
export function contentText(content: unknown): string {
  const direct = asString(content);
  if (direct !== undefined) return direct;
  const parts: string[] = [];
  for (const block of asArray(content) ?? []) {
    const b = asObject(block);
    if (b && TEXT_BLOCKS.has(b.type as string)) {
      const text = asString(b.text);
      if (text !== undefined) parts.push(text);
    }
  }
  return parts.join("\n");
}

/** Assistant thinking text (non-redacted thinking blocks), or undefined when there is none. */
export function thinkingText(content: unknown): string | undefined {
  const parts: string[] = [];
  for (const block of asArray(content) ?? []) {
    const b = asObject(block);
    if (b?.type === "thinking" && b.redacted !== true) {
      const text = asString(b.thinking);
      if (text) parts.push(text);
    }
  }
  return parts.length > 0 ? parts.join("\n") : undefined;
}

export type ToolCallBlock = { id?: string; name?: string; args: unknown };

/** toolCall blocks (pi) and tool_use blocks (Anthropic-style legacy lines), in block order. */
export function toolCallBlocks(content: unknown): ToolCallBlock[] {
  const calls: ToolCallBlock[] = [];
  for (const block of asArray(content) ?? []) {
    const b = asObject(block);
    if (b?.type === "toolCall") calls.push({ id: asString(b.id), name: asString(b.name), args: b.arguments ?? {} });
    else if (b?.type === "tool_use") calls.push({ id: asString(b.id), name: asString(b.name), args: b.input ?? {} });
  }
  return calls;
}

export type ToolResultBlock = { toolCallId?: string; text: string; isError: boolean };

/** tool_result blocks of a legacy user line. */
export function toolResultBlocks(content: unknown): ToolResultBlock[] {
  const results: ToolResultBlock[] = [];
  for (const block of asArray(content) ?? []) {
    const b = asObject(block);
    if (b?.type === "tool_result") {
      results.push({ toolCallId: asString(b.tool_use_id), text: contentText(b.content), isError: b.is_error === true });
    }
  }
  return results;
}

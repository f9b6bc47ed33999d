import { finalAnswer, userText, type Conversation } from "../conversation.js";

/**
 * Alpaca (as LLaMA-Factory reads it): the last turn's prompt as `instruction`, its final answer as
 * `output`, the earlier turns as `history` pairs. Alpaca has no place for tool steps: only each turn's
 * prompt and final answer are kept.
 */
export function alpacaRecord(conversation: Conversation, system: string | undefined): Record<string, unknown> {
  const turns = conversation.turns;
  const last = turns[turns.length - 1]!;
  const history = turns.slice(0, -1).map((t) => [userText(t), finalAnswer(t)]);
  return {
    instruction: userText(last),
    input: "",
    output: finalAnswer(last),
    ...(system !== undefined ? { system } : {}),
    ...(history.length > 0 ? { history } : {}),
  };
}

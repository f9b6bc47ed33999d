import { z } from "zod";
import { finalAnswer, userText, type Conversation, type Turn } from "./conversation.js";

/** What makes a conversation worth training on; every field can be changed by a JSON file (--quality FILE). */
export const QualityRulesSchema = z
  .object({
    minScore: z.number().min(0).max(1).default(0.5),
    minAnswerChars: z.number().int().min(0).default(20),
    maxAnswerChars: z.number().int().min(1).default(12_000),
    minPromptChars: z.number().int().min(0).default(3),
    praise: z.array(z.string()).default(["thanks", "thank you", "perfect", "great", "awesome", "works", "worked", "exactly", "nice", "love it", "👍"]),
    rejection: z
      .array(z.string())
      .default(["wrong", "incorrect", "doesn't work", "does not work", "didn't work", "not what i", "that's not", "try again", "still broken", "still failing", "you broke", "undo", "revert", "no,", "nope"]),
    unsure: z
      .array(z.string())
      .default(["i don't know", "i do not know", "i'm not sure", "i am not sure", "i cannot help", "i can't help", "as an ai", "i'm unable to", "i am unable to", "no idea"]),
  })
  .strict();
export type QualityRules = z.infer<typeof QualityRulesSchema>;

export const DEFAULT_RULES: QualityRules = QualityRulesSchema.parse({});

export type Judgement = { score: number; signals: string[] };

/**
 * A conversation's score: the mean of its turns' scores, each 0.5 moved by what the turn shows, clamped
 * to [0, 1]. A turn is judged by its answer's length, code and structure, hedging ("I don't know"), its
 * tool errors, and the user message after it (praise or rejection).
 */
export function judge(conversation: Conversation, rules: QualityRules = DEFAULT_RULES): Judgement {
  const signals = new Set<string>();
  const scores = conversation.turns.map((turn, i) => {
    const next = i + 1 < conversation.turns.length ? userText(conversation.turns[i + 1]!) : conversation.feedback;
    return turnScore(turn, next, rules, signals);
  });
  const mean = scores.length === 0 ? 0 : scores.reduce((a, b) => a + b, 0) / scores.length;
  return { score: Math.round(Math.min(1, Math.max(0, mean)) * 1000) / 1000, signals: [...signals].sort() };
}

function turnScore(turn: Turn, nextUser: string | undefined, rules: QualityRules, signals: Set<string>): number {
  const answer = finalAnswer(turn);
  const prompt = userText(turn);
  let score = 0.5;
  const mark = (signal: string, delta: number) => {
    signals.add(signal);
    score += delta;
  };
  if (answer.trim().length < rules.minAnswerChars) mark("short_answer", -0.3);
  else if (answer.length > rules.maxAnswerChars) mark("long_answer", -0.1);
  if (prompt.trim().length < rules.minPromptChars) mark("short_prompt", -0.2);
  if (/```[\s\S]*?```/.test(answer)) mark("code", 0.15);
  if (/^\s{0,3}(?:[-*+]\s|\d{1,3}[.)]\s|#{1,6}\s|\|.*\|)/m.test(answer)) mark("structure", 0.1);
  if (containsAny(answer, rules.unsure)) mark("unsure", -0.4);
  const tools = turn.messages.filter((m) => m.role === "tool");
  const failures = tools.filter((m) => m.role === "tool" && m.isError).length;
  if (failures > 0) mark("tool_errors", -Math.min(0.2, 0.05 * failures));
  else if (tools.length > 0) mark("tools_ok", 0.05);
  if (nextUser !== undefined) {
    if (containsAny(nextUser, rules.rejection)) mark("rejected", -0.5);
    else if (containsAny(nextUser, rules.praise)) mark("praised", 0.25);
  }
  return score;
}

/** Whether `text` holds any phrase, as whole words, case-insensitive (apostrophes of either kind). */
function containsAny(text: string, phrases: readonly string[]): boolean {
  const flat = ` ${text.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, " ")} `;
  return phrases.some((phrase) => {
    const p = phrase.toLowerCase();
    const at = flat.indexOf(p);
    if (at < 0) return false;
    for (let i = at; i >= 0; i = flat.indexOf(p, i + 1)) {
      const before = flat[i - 1] ?? " ";
      const after = flat[i + p.length] ?? " ";
      const wordy = (c: string) => /[\p{L}\p{N}]/u.test(c);
      if ((!wordy(p[0]!) || !wordy(before)) && (!wordy(p[p.length - 1]!) || !wordy(after))) return true;
    }
    return false;
  });
}

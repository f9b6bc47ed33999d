import type { Group } from "../../src/contract/groups.js";

/** A session's counts; undefined where they are not known (not loaded yet, or beyond the groupBy cap). */
export type SessionStats = { messages?: number; tools?: number; errors?: number; tokens?: number; costUsd?: number; lastTimestamp: number };
export type StatsTable = { get(key: string): SessionStats; complete: boolean };

/** groupBy answers are capped at this many groups (the engine's page maximum), the largest first. */
export const GROUP_LIMIT = 500;

type Answer = readonly Group[];

/**
 * Per-session counts from three groupBy-session answers: all events (errors, tokens, cost), messages
 * and tool calls. A session an answer does not name had none of its events, unless the answer was cut
 * at GROUP_LIMIT: then its count is unknown, shown as such rather than as 0.
 */
export function statsFrom(all: Answer, messages: Answer, tools: Answer): StatsTable {
  const index = (answer: Answer) => ({ bySession: new Map(answer.map((g) => [g.key.session ?? "", g])), complete: answer.length < GROUP_LIMIT });
  const [everything, message, tool] = [all, messages, tools].map(index);
  const count = (of: ReturnType<typeof index>, key: string, pick: (group: Group) => number) => {
    const group = of.bySession.get(key);
    return group ? pick(group) : of.complete ? 0 : undefined;
  };
  return {
    complete: everything!.complete && message!.complete && tool!.complete,
    get: (key) => ({
      messages: count(message!, key, (g) => g.count),
      tools: count(tool!, key, (g) => g.count),
      errors: count(everything!, key, (g) => g.errors),
      tokens: count(everything!, key, (g) => g.tokens?.total ?? 0),
      costUsd: count(everything!, key, (g) => g.costUsd ?? 0),
      lastTimestamp: everything!.bySession.get(key)?.lastTimestamp ?? 0,
    }),
  };
}

import type { z } from "zod";
import { QueryError } from "../engine/errors.js";

/** Checks a command's input against a tool's schema; a bad value is a QueryError naming it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(JSON.parse(JSON.stringify(input)));
  if (result.success) return result.data;
  throw new QueryError(result.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
}

/** What the flags of a command over many sessions select: patterns (a list, one, or none), agent, parent. */
export function sessionsSelection(
  patterns: string[],
  flags: { agent?: string; spawnedBy?: string; descendants?: boolean },
): { sessionKey?: string | string[]; agentId?: string; spawnedBy?: string; descendants?: boolean } {
  return {
    sessionKey: patterns.length === 0 ? undefined : patterns.length === 1 ? patterns[0] : patterns,
    agentId: flags.agent,
    spawnedBy: flags.spawnedBy,
    descendants: flags.descendants,
  };
}

import type { z } from "zod";
import { QueryError } from "../engine/errors.js";

/** Checks a command's input against a tool's schema; a bad value is a QueryError naming it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(JSON.parse(JSON.stringify(input)));
  if (result.success) return result.data;
  throw new QueryError(result.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
}

import type { SessionEventsInput, SessionsEventsInput } from "../contract/query-input.js";
import { fingerprintOf, RESTART } from "./cursor.js";
import { CursorMismatch, QueryError } from "./errors.js";
import type { Principal } from "./principal.js";
import type { QueryContext } from "./query/context.js";

export type WalkTool = "session_events" | "sessions_events";

/** The arguments that make a walk; the others (limit, fields, maxFieldChars, waitMs) may change from page to page. */
export const WALK_ARGUMENTS = ["sessionKey", "agentId", "spawnedBy", "descendants", "generations", "types", "text", "since", "until", "order"] as const;
type WalkArgument = (typeof WALK_ARGUMENTS)[number];
type WalkInput = Partial<Record<WalkArgument, unknown>> & { cursor?: string };

const TOOL_CODES: Record<WalkTool, number> = { session_events: 1, sessions_events: 2 };
const DEFAULTS: Record<WalkTool, Partial<Record<WalkArgument, unknown>>> = {
  session_events: { sessionKey: "current", generations: "current", order: "asc", descendants: false },
  sessions_events: { sessionKey: "*", generations: "current", order: "asc", descendants: false },
};

/**
 * What a cursor is bound to and carries: a hash of the principal, the tool, and the walk's arguments
 * (defaults left out, so it stays small). A cursor alone can thus resume its walk, and only for the
 * caller it was issued to.
 */
export type WalkBinding = { p: string; t: number; q: Partial<Record<WalkArgument, unknown>> | { h: string } };

export function walkBinding(tool: WalkTool, input: WalkInput, principal: Principal): WalkBinding {
  const q: Partial<Record<WalkArgument, unknown>> = {};
  for (const argument of WALK_ARGUMENTS) {
    const value = normalized(tool, argument, input[argument]);
    if (value !== undefined) q[argument] = value;
  }
  // a query too large to carry (many long patterns, say) is bound by its hash: its cursors need the arguments again
  const carried = Buffer.byteLength(JSON.stringify(q)) <= MAX_CARRIED_BYTES ? q : { h: fingerprintOf(q) };
  return { p: fingerprintOf(principal), t: TOOL_CODES[tool], q: carried };
}

/** Keeps cursors under INPUT_LIMITS.maxCursorLength whatever the query (MCP clients echo them back). */
const MAX_CARRIED_BYTES = 1024;

/**
 * The call's input with the walk's arguments taken from its cursor: a cursor alone resumes the walk it
 * came from; an argument given beside it must say the same as the walk, else a CursorMismatch. Only the
 * cursor's own caller learns what its walk was: another principal's cursor is refused first.
 */
export function resumeWalk<I extends SessionEventsInput | SessionsEventsInput>(ctx: QueryContext, tool: WalkTool, input: I): I {
  if (input.cursor === undefined) return input;
  const carried = ctx.cursors.open(input.cursor).binding as Partial<WalkBinding> | undefined;
  if (!carried || typeof carried !== "object" || carried.p !== fingerprintOf(ctx.principal) || !carried.q) {
    throw new QueryError(`cursor belongs to a different query or caller. ${RESTART}`);
  }
  const cursorTool = toolOf(carried);
  if (cursorTool !== tool) {
    throw new CursorMismatch(`cursor belongs to a ${cursorTool} walk: pass it to ${cursorTool}, alone or with that walk's arguments. ${RESTART}`, "tool", tool, cursorTool);
  }
  if ("h" in carried.q) return input; // (a query bound by its hash: the arguments must be given again)
  const merged: Record<string, unknown> = { ...input };
  for (const argument of WALK_ARGUMENTS) {
    const given = (input as WalkInput)[argument];
    const kept = (carried.q as Partial<Record<WalkArgument, unknown>>)[argument];
    // (an argument given as its default differs from a walk that has another value)
    if (given !== undefined && JSON.stringify(normalized(tool, argument, given)) !== JSON.stringify(kept)) {
      throw new CursorMismatch(
        `cursor belongs to a different query: ${argument} is ${JSON.stringify(given)} in this call but ${kept === undefined ? "not given" : JSON.stringify(kept)} in the walk the cursor came from. ` +
          `Leave ${argument} out (a cursor alone resumes its walk). ${RESTART}`,
        argument,
        given,
        kept,
      );
    }
    if (argument in merged || kept !== undefined) merged[argument] = kept;
    if (merged[argument] === undefined) delete merged[argument];
  }
  return merged as I;
}

/** Which tool a cursor continues (undefined: not one of this server's, or another caller's); opening it checks it is authentic. */
export function cursorTool(ctx: QueryContext, cursor: string): WalkTool | undefined {
  const carried = ctx.cursors.open(cursor).binding as Partial<WalkBinding> | undefined;
  return carried && typeof carried === "object" && carried.p === fingerprintOf(ctx.principal) ? toolOf(carried) : undefined;
}

/** Whether a cursor carries its walk's arguments (false: a query too large to carry, bound by its hash, or not a cursor of this caller). */
export function cursorCarriesWalk(ctx: QueryContext, cursor: string): boolean {
  const carried = ctx.cursors.open(cursor).binding as Partial<WalkBinding> | undefined;
  return !!carried && typeof carried === "object" && carried.p === fingerprintOf(ctx.principal) && !!carried.q && !("h" in carried.q);
}

function toolOf(carried: Partial<WalkBinding>): WalkTool | undefined {
  return (Object.keys(TOOL_CODES) as WalkTool[]).find((tool) => TOOL_CODES[tool] === carried.t);
}

/** The value as the walk keeps it: defaults and a list of one pattern said one way only. */
function normalized(tool: WalkTool, argument: WalkArgument, value: unknown): unknown {
  if (argument === "sessionKey" && Array.isArray(value) && value.length === 1) value = value[0];
  return value === undefined || JSON.stringify(value) === JSON.stringify(DEFAULTS[tool][argument]) ? undefined : value;
}

import type { SessionRow, SessionsListInput } from "../contract/http.js";
import type { SessionsEventsInput } from "../contract/query-input.js";
import type { SessionInfo } from "../sources/session.js";
import { sessionsInScope } from "./principal.js";
import type { QueryContext } from "./query/context.js";
import { selectMany } from "./select.js";

/** The registry entries a principal may see that the selection names, newest first. */
export async function visibleSessions(ctx: QueryContext, input: SessionsListInput = {}): Promise<SessionInfo[]> {
  const visible = sessionsInScope(await ctx.listSessions(), ctx.principal);
  return [...selectMany(visible, input, ctx.principal)].sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
}

/** A session as a caller may see it: labels and titles redacted like event text (they come from the store). */
export function sessionRow(ctx: QueryContext, s: SessionInfo): SessionRow {
  const redact = (text: string | undefined) =>
    text === undefined || ctx.principal.clearance === "confidential" ? text : ctx.policy.redactor(text).text;
  return {
    key: s.key,
    agent: s.agent,
    sessionId: s.sessionId,
    source: s.source,
    generation: s.generation,
    updatedAt: s.updatedAt ?? null,
    spawnedBy: s.parentKey ?? null,
    status: s.status ?? null,
    label: redact(s.label) ?? null,
    displayName: redact(s.displayName) ?? null,
    ...(s.aliases && s.aliases.length > 0 ? { aliases: s.aliases.map((a) => a.key) } : {}),
  };
}

/** The directories to watch for what a sessions_events selection would read next. */
export async function watchDirsFor(ctx: QueryContext, input: SessionsEventsInput): Promise<string[]> {
  const chosen = selectMany(sessionsInScope(await ctx.listSessions(), ctx.principal), input, ctx.principal);
  return [...new Set(chosen.map((s) => s.watchDir).filter((d): d is string => d !== undefined))];
}

import type { SearchResult, SessionsSearchInput } from "../../contract/search.js";
import { MAX_SNIPPETS, SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT } from "../../contract/search.js";
import { typePredicate } from "../../contract/type-filter.js";
import { newReadStats, type SessionInfo } from "../../sources/session.js";
import { markRedacted, redactAnswer, redactorFor } from "../answer-redaction.js";
import { clearanceAllows, sessionsInScope } from "../principal.js";
import { addWork, type QueryContext } from "../query/context.js";
import { selectMany } from "../select.js";
import { inWindow, resolveWindow } from "../time.js";
import { classify } from "../visibility.js";
import { textPredicate } from "./matcher.js";
import { parseTextQuery } from "./query.js";
import { searchableFields } from "./searchable.js";
import { snippetOf } from "./snippet.js";

const TITLE_CHARS = 120;

type Found = SearchResult["sessions"][number] & { updatedMs: number };

/**
 * The sessions that match a query, most matching events first (ties: most recently updated), each with
 * up to 3 marked snippets. Sessions are scanned most recently updated first, so a scan budget that runs
 * out leaves out the oldest (and says so). Only events the caller may see are searched and counted.
 */
export async function searchSessions(ctx: QueryContext, input: SessionsSearchInput, call: { signal?: AbortSignal } = {}): Promise<SearchResult> {
  const query = parseTextQuery(input.query);
  const text = textPredicate(query, ctx.principal.clearance, ctx.policy.redactor);
  const window = resolveWindow(input.since, input.until, ctx.now());
  const types = typePredicate(input.types);
  const requested = input.limit ?? SEARCH_DEFAULT_LIMIT;
  const limit = Math.min(requested, SEARCH_MAX_LIMIT);
  const notes: string[] = [];
  if (requested > SEARCH_MAX_LIMIT) notes.push(`limit ${requested} was clamped to the maximum of ${SEARCH_MAX_LIMIT}.`);
  const { clearance } = ctx.principal;
  const redactor = ctx.policy.redactor;
  const selected = selectMany(sessionsInScope(await ctx.listSessions(), ctx.principal), { sessionKey: input.sessionKey, agentId: input.agentId, generations: "current" }, ctx.principal);
  const sessions = [...selected].sort((a, b) => (b.updatedAt ?? b.activity() ?? 0) - (a.updatedAt ?? a.activity() ?? 0));
  const stats = newReadStats();
  const budget = ctx.policy.scanBudgetBytes;
  const found: Found[] = [];
  let searched = 0;
  for (const session of sessions) {
    if (call.signal?.aborted) break;
    if (budget !== undefined && stats.bytesRead > budget) break;
    if (window.since !== undefined && window.since <= ctx.now() && (session.activity() ?? Infinity) < window.since) {
      searched++;
      continue;
    }
    const result = await searchOne(session);
    searched++;
    if (result) found.push(result);
  }
  addWork(ctx, stats);
  if (searched < sessions.length) {
    notes.push(
      `Searched ${searched} of ${sessions.length} sessions (the most recently updated) before reaching the most one call may read${call.signal?.aborted ? " or being cancelled" : ""}; narrow with since, agentId or sessionKey to search the rest.`,
    );
  }
  found.sort((a, b) => b.hits - a.hits || b.updatedMs - a.updatedMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const answer: SearchResult = {
    sessions: found.slice(0, limit).map(({ updatedMs: _, ...s }) => s),
    sessionsMatched: sessions.length,
    sessionsWithHits: found.length,
    notes,
  };
  return redactAnswer(answer, redactorFor(ctx));

  async function searchOne(session: SessionInfo): Promise<Found | undefined> {
    let hits = 0;
    let title = session.source === "clawjs" ? session.label : undefined;
    const snippets: Found["snippets"] = [];
    const events = session.events({ stats, direction: "forward", window, skipBefore: { timestamp: window.since } });
    for await (const event of events) {
      if (!inWindow(window, event.timestamp)) continue;
      const visibility = classify(event, ctx.policy.rules);
      if (!clearanceAllows(clearance, visibility)) continue;
      if (title === undefined && event.type === "message" && event.payload.role === "user") title = titleOf(redactor(String(event.payload.text ?? "")).text);
      if (types && !types.matches(event)) continue;
      if (!text.matches(event, visibility)) continue;
      hits++;
      if (snippets.length < MAX_SNIPPETS) {
        const text = snippetOf(searchableFields(event, clearance, redactor), query.terms);
        if (text !== undefined) snippets.push({ eventId: event.id, seq: event.seq, type: event.type, text });
      }
    }
    if (hits === 0) return undefined;
    markRedacted(snippets, redactor);
    const updatedMs = session.updatedAt ?? session.activity() ?? 0;
    return {
      key: session.key,
      agent: session.agent,
      sessionId: session.sessionId,
      title: title ?? null,
      updatedAt: session.updatedAt !== undefined ? new Date(session.updatedAt).toISOString() : null,
      hits,
      snippets,
      updatedMs,
    };
  }
}

function titleOf(text: string): string | undefined {
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) return undefined;
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS)}…` : line;
}

import type { SearchResult, SessionsSearchInput } from "../../contract/search.js";
import { SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT } from "../../contract/search.js";
import { typePredicate } from "../../contract/type-filter.js";
import { newReadStats, type SessionInfo } from "../../sources/session.js";
import { redactAnswer, redactorFor } from "../answer-redaction.js";
import { clearanceAllows, sessionsInScope } from "../principal.js";
import { addWork, type QueryContext } from "../query/context.js";
import { selectMany } from "../select.js";
import { resolveWindow } from "../time.js";
import { textPredicate } from "./matcher.js";
import { parseTextQuery } from "./query.js";
import { scanSession } from "./search-scan.js";
import { indexedFound, indexedHits } from "./search-indexed.js";
import { foundSession, type Found } from "./found-session.js";
import { endsBeforeWindow, type SessionSearch } from "./session-search.js";

/**
 * The sessions that match a query, most matching events first (ties: most recently updated), each with
 * up to 3 marked snippets. The full-text index answers for the sessions it is current for; the others
 * are scanned, most recently updated first, so a scan budget that runs out (within a session too)
 * leaves out the oldest, and says so. An indexed session's title and snippets are read from the store
 * only when it is among those shown. Only events the caller may see are searched and counted.
 */
export async function searchSessions(ctx: QueryContext, input: SessionsSearchInput, call: { signal?: AbortSignal } = {}): Promise<SearchResult> {
  const query = parseTextQuery(input.query);
  const window = resolveWindow(input.since, input.until, ctx.now());
  const s: SessionSearch = {
    ctx,
    query,
    text: textPredicate(query, ctx.principal.clearance, ctx.policy.redactor),
    window,
    types: typePredicate(input.types),
    stats: newReadStats(),
  };
  const requested = input.limit ?? SEARCH_DEFAULT_LIMIT;
  const limit = Math.min(requested, SEARCH_MAX_LIMIT);
  const notes: string[] = [];
  if (requested > SEARCH_MAX_LIMIT) notes.push(`limit ${requested} was clamped to the maximum of ${SEARCH_MAX_LIMIT}.`);
  const selected = selectMany(sessionsInScope(await ctx.listSessions(), ctx.principal), { sessionKey: input.sessionKey, agentId: input.agentId, generations: "current" }, ctx.principal);
  const sessions = [...selected].sort((a, b) => (b.updatedAt ?? b.activity() ?? 0) - (a.updatedAt ?? a.activity() ?? 0));
  // (a caller of the highest clearance sees every class: without a types filter, every match counts)
  const classes = !clearanceAllows(ctx.principal.clearance, "confidential") || s.types !== undefined;
  const indexed = ctx.textIndex?.search(query, sessions, { thinking: clearanceAllows(ctx.principal.clearance, "internal"), window, classes });
  const scanned = new Set(indexed ? indexed.unindexed : sessions);
  const budget = ctx.policy.scanBudgetBytes;
  const found: Found[] = [];
  const fromIndex = new Map<Found, SessionInfo>();
  let searched = 0;
  let cutShort: { key: string; at: number } | undefined;
  for (const session of sessions) {
    if (call.signal?.aborted) break;
    if (endsBeforeWindow(s, session)) {
      searched++;
      continue;
    }
    if (indexed && !scanned.has(session)) {
      const hits = indexedHits(s, indexed, session);
      searched++;
      if (hits > 0) {
        // its title and snippets only if it makes the answer (below)
        const ranked = foundSession(session, hits, undefined, []);
        fromIndex.set(ranked, session);
        found.push(ranked);
      }
      continue;
    }
    if (cutShort || (budget !== undefined && s.stats.bytesRead >= budget)) continue;
    const { found: result, stoppedAt } = await scanSession(s, session, budget);
    if (result) found.push(result);
    if (stoppedAt !== undefined) cutShort = { key: session.key, at: stoppedAt };
    else searched++;
  }
  if (cutShort) {
    const at = cutShort.at > 0 ? ` (its events up to ${new Date(cutShort.at).toISOString()})` : "";
    notes.push(`${cutShort.key} was searched only in part${at} before reaching the most one call may read.`);
  }
  if (searched < sessions.length) {
    notes.push(
      `Searched ${searched} of ${sessions.length} sessions (the most recently updated) before reaching the most one call may read${call.signal?.aborted ? " or being cancelled" : ""}; narrow with since, agentId or sessionKey to search the rest${indexed ? ", or index them (session-events index)" : ""}.`,
    );
  }
  found.sort((a, b) => b.hits - a.hits || b.updatedMs - a.updatedMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shown = found.slice(0, limit);
  indexed?.fetchHits?.(shown.flatMap((ranked) => fromIndex.get(ranked) ?? []));
  for (const [at, ranked] of shown.entries()) {
    const session = fromIndex.get(ranked);
    if (session && indexed) shown[at] = await indexedFound(s, indexed, session, ranked.hits);
  }
  addWork(ctx, s.stats);
  const answer: SearchResult = {
    sessions: shown.map(({ updatedMs: _, ...rest }) => rest),
    sessionsMatched: sessions.length,
    sessionsWithHits: found.length,
    notes,
  };
  return redactAnswer(answer, redactorFor(ctx));
}

import { MAX_SNIPPETS } from "../../contract/search.js";
import type { SessionInfo, SourceEvent } from "../../sources/session.js";
import { markRedacted } from "../answer-redaction.js";
import { clearanceAllows } from "../principal.js";
import { inWindow } from "../time.js";
import { classify } from "../visibility.js";
import { foundSession, titleOf, type Found } from "./found-session.js";
import { searchableFields } from "./searchable.js";
import { snippetFor, visibleTo, type SessionSearch } from "./session-search.js";
import type { IndexedHit, IndexedSearch } from "./text-index.js";

/**
 * How many of a session's matching events count for the caller, from the index alone: counted by what
 * decides who may see them (the caller's clearance, the rules, the types filter), as a scan counts them.
 */
export function indexedHits(s: SessionSearch, indexed: IndexedSearch, session: SessionInfo): number {
  let hits = 0;
  for (const group of indexed.groups.get(session) ?? []) if (!group.class || counts(s, session, group.class)) hits += group.hits;
  return hits;
}

/**
 * A session's answer from the index (only for those a search shows): the snippets' and title's events
 * are read from the store, and checked again there, so what is shown is the store's text as the
 * caller may see it, whatever the index holds.
 */
export async function indexedFound(s: SessionSearch, indexed: IndexedSearch, session: SessionInfo, hits: number): Promise<Found> {
  const snippets: Found["snippets"] = [];
  for (const hit of indexed.hitsOf(session)) {
    if (snippets.length >= MAX_SNIPPETS) break;
    if (!counts(s, session, hit)) continue;
    const event = await eventAt(s, session, hit.seq);
    if (!event || !visibleTo(s, event) || (s.types && !s.types.matches(event))) continue;
    const fields = searchableFields(event, s.ctx.principal.clearance, s.ctx.policy.redactor);
    if (!s.text.matchesFields(fields)) continue;
    const snippet = snippetFor(s, event, fields);
    if (snippet) snippets.push(snippet);
  }
  markRedacted(snippets, s.ctx.policy.redactor);
  return foundSession(session, hits, await titleFromIndex(s, indexed, session), snippets);
}

/** The first user message with text the caller may see in the window (as a scan finds it), or a ClawJS title. */
async function titleFromIndex(s: SessionSearch, indexed: IndexedSearch, session: SessionInfo): Promise<string | undefined> {
  if (session.source === "clawjs" && session.label !== undefined) return session.label;
  for (const message of indexed.userMessagesOf(session)) {
    if (!clearanceAllows(s.ctx.principal.clearance, classify(asEvent(session, message), s.ctx.policy.rules))) continue;
    const event = await eventAt(s, session, message.seq);
    if (!event || !visibleTo(s, event) || event.type !== "message" || event.payload.role !== "user") continue;
    const title = titleOf(s.ctx.policy.redactor(String(event.payload.text ?? "")).text);
    if (title !== undefined) return title;
  }
  return undefined;
}

/** Whether matching events like this one count for the caller: visible to it, and of the types asked for. */
function counts(s: SessionSearch, session: SessionInfo, hit: Omit<IndexedHit, "seq">): boolean {
  const event = asEvent(session, hit);
  return clearanceAllows(s.ctx.principal.clearance, classify(event, s.ctx.policy.rules)) && (!s.types || s.types.matches(event));
}

/** An index row as much of an event as classifying and type-filtering it looks at. */
function asEvent(session: SessionInfo, hit: Omit<IndexedHit, "seq">): SourceEvent {
  const payload: Record<string, unknown> = {};
  if (hit.role !== undefined) payload.role = hit.role;
  if (hit.tool !== undefined) payload.toolName = hit.tool;
  return { id: "", seq: 0, timestamp: 0, agent: session.agent, session: session.key, sessionId: session.sessionId, type: hit.type, payload, ...(hit.visibility ? { visibility: hit.visibility } : {}) };
}

/** One event of a session by its seq, read from the store (a seek where the source has a transcript index). */
async function eventAt(s: SessionSearch, session: SessionInfo, seq: number): Promise<SourceEvent | undefined> {
  for await (const event of session.events({ stats: s.stats, direction: "forward", skipBefore: { seq: seq - 1 } })) {
    if (event.seq > seq) return undefined;
    if (event.seq === seq) return inWindow(s.window, event.timestamp) ? event : undefined;
  }
  return undefined;
}

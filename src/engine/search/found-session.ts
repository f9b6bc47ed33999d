import type { SearchResult } from "../../contract/search.js";
import type { SessionInfo } from "../../sources/session.js";

/** One session of a search answer, with the time it sorts by among equals. */
export type Found = SearchResult["sessions"][number] & { updatedMs: number };

const TITLE_CHARS = 120;

export function foundSession(session: SessionInfo, hits: number, title: string | undefined, snippets: Found["snippets"]): Found {
  return {
    key: session.key,
    agent: session.agent,
    sessionId: session.sessionId,
    title: title ?? null,
    updatedAt: session.updatedAt !== undefined ? new Date(session.updatedAt).toISOString() : null,
    hits,
    snippets,
    updatedMs: session.updatedAt ?? session.activity() ?? 0,
  };
}

/** A title from a user message's (redacted) text: one line, cut; undefined for blank text. */
export function titleOf(text: string): string | undefined {
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) return undefined;
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS)}…` : line;
}

import type { SessionInfo } from "../../sources/session.js";
import { markRedacted } from "../answer-redaction.js";
import { inWindow } from "../time.js";
import { classify } from "../visibility.js";
import { clearanceAllows } from "../principal.js";
import { MAX_SNIPPETS } from "../../contract/search.js";
import { foundSession, titleOf, type Found } from "./found-session.js";
import { snippetFor, type SessionSearch } from "./session-search.js";

/** What scanning a session found, and whether the scan budget ended it early (where the read stopped). */
export type Scanned = { found?: Found; stoppedAt?: number };

/**
 * Searches a session by reading it: every visible event in the window is matched. Past the scan
 * budget (`budget`: the bytes the whole call may read) the read ends inside the session, at a line.
 */
export async function scanSession(s: SessionSearch, session: SessionInfo, budget: number | undefined): Promise<Scanned> {
  const { clearance } = s.ctx.principal;
  const redactor = s.ctx.policy.redactor;
  let hits = 0;
  let title = session.source === "clawjs" ? session.label : undefined;
  const snippets: Found["snippets"] = [];
  let stoppedAt: number | undefined;
  const scanBudget = budget === undefined ? undefined : { bytes: budget, stopAt: (lastTimestamp: number) => ((stoppedAt = lastTimestamp), true) };
  const events = session.events({ stats: s.stats, direction: "forward", window: s.window, skipBefore: { timestamp: s.window.since }, scanBudget });
  for await (const event of events) {
    if (!inWindow(s.window, event.timestamp)) continue;
    const visibility = classify(event, s.ctx.policy.rules);
    if (!clearanceAllows(clearance, visibility)) continue;
    if (title === undefined && event.type === "message" && event.payload.role === "user") title = titleOf(redactor(String(event.payload.text ?? "")).text);
    if (s.types && !s.types.matches(event)) continue;
    if (!s.text.matches(event, visibility)) continue;
    hits++;
    if (snippets.length < MAX_SNIPPETS) {
      const snippet = snippetFor(s, event);
      if (snippet) snippets.push(snippet);
    }
  }
  if (hits === 0) return { stoppedAt };
  markRedacted(snippets, redactor);
  return { found: foundSession(session, hits, title, snippets), stoppedAt };
}

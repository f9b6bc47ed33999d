import type { SessionRow } from "../../src/contract/http.js";
import { api } from "./api.js";
import { GROUP_LIMIT, statsFrom, type SessionStats, type StatsTable } from "./session-stats.js";

export type TreeRow = { session: SessionRow; stats?: SessionStats; depth: number; lastActivity: number; parentVisible: boolean };

/** The registry first (the tree can show), then the counts that fill its columns. */
export function loadSessions(filters: { key?: string; agent?: string }, signal?: AbortSignal) {
  const selection = { sessionKey: filters.key || undefined, agentId: filters.agent || undefined };
  const sessions = api.sessions(signal, selection);
  // after the registry, so that the counting does not hold the tree back on a busy server
  const stats = (async () => {
    await sessions;
    const bySession = (types?: string[]) => api.events({ ...selection, groupBy: ["session"], types, limit: GROUP_LIMIT }, signal).then((page) => page.groups ?? []);
    const [all, messages, tools] = await Promise.all([bySession(), bySession(["message"]), bySession(["tool_call"])]);
    return statsFrom(all, messages, tools);
  })();
  return { sessions, stats };
}

/**
 * The sessions as a tree, flattened for the list: spawned children right under their parent, and at
 * every level the most recently active first.
 */
export function flattenTree(sessions: readonly SessionRow[], stats: StatsTable | undefined): TreeRow[] {
  const byKey = new Map(sessions.map((s) => [s.key, s]));
  const children = new Map<string, SessionRow[]>();
  const roots: SessionRow[] = [];
  for (const session of sessions) {
    const parent = session.spawnedBy && session.spawnedBy !== session.key && byKey.has(session.spawnedBy) ? session.spawnedBy : undefined;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), session]);
    else roots.push(session);
  }
  const activity = (s: SessionRow) => Math.max(s.updatedAt ?? 0, stats?.get(s.key).lastTimestamp ?? 0);
  const byActivity = (a: SessionRow, b: SessionRow) => activity(b) - activity(a) || a.key.localeCompare(b.key);
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (session: SessionRow, depth: number) => {
    if (seen.has(session.key)) return; // a spawn loop in a damaged registry: show each session once
    seen.add(session.key);
    rows.push({ session, stats: stats?.get(session.key), depth, lastActivity: activity(session), parentVisible: depth > 0 });
    for (const child of (children.get(session.key) ?? []).sort(byActivity)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byActivity)) visit(root, 0);
  for (const session of sessions) if (!seen.has(session.key)) visit(session, 0);
  return rows;
}

import type { Group } from "../../src/contract/groups.js";
import type { SessionRow } from "../../src/contract/http.js";
import { api } from "./api.js";

export type SessionStats = { events: number; messages: number; tools: number; errors: number; tokens: number; costUsd: number; lastTimestamp: number };
export type TreeRow = { session: SessionRow; stats?: SessionStats; depth: number; lastActivity: number; parentVisible: boolean };

/** groupBy answers are capped at this many groups (the engine's page maximum). */
const GROUP_LIMIT = 500;

function emptyStats(): SessionStats {
  return { events: 0, messages: 0, tools: 0, errors: 0, tokens: 0, costUsd: 0, lastTimestamp: 0 };
}

/** Per-session counts from two groupBy answers: by session (errors, tokens, cost), by session and type. */
export function statsFrom(bySession: readonly Group[], bySessionType: readonly Group[]): Map<string, SessionStats> {
  const stats = new Map<string, SessionStats>();
  const of = (key: string | null | undefined) => {
    const name = key ?? "";
    let entry = stats.get(name);
    if (!entry) stats.set(name, (entry = emptyStats()));
    return entry;
  };
  for (const group of bySession) {
    const entry = of(group.key.session);
    entry.events = group.count;
    entry.errors = group.errors;
    entry.tokens = group.tokens?.total ?? 0;
    entry.costUsd = group.costUsd ?? 0;
    entry.lastTimestamp = group.lastTimestamp;
  }
  for (const group of bySessionType) {
    const entry = of(group.key.session);
    if (group.key.type === "message") entry.messages += group.count;
    if (group.key.type === "tool_call") entry.tools += group.count;
  }
  return stats;
}

/** The registry first (the tree can show), then the counts that fill its columns. */
export function loadSessions(filters: { key?: string; agent?: string }, signal?: AbortSignal) {
  const selection = { sessionKey: filters.key || undefined, agentId: filters.agent || undefined };
  const sessions = api.sessions(signal, selection);
  const stats = Promise.all([
    api.events({ ...selection, groupBy: ["session"], limit: GROUP_LIMIT }, signal),
    api.events({ ...selection, groupBy: ["session", "type"], types: ["message", "tool_call"], limit: GROUP_LIMIT }, signal),
  ]).then(([bySession, bySessionType]) => statsFrom(bySession.groups ?? [], bySessionType.groups ?? []));
  return { sessions, stats };
}

/**
 * The sessions as a tree, flattened for the list: spawned children right under their parent, and at
 * every level the most recently active first.
 */
export function flattenTree(sessions: readonly SessionRow[], stats: ReadonlyMap<string, SessionStats>): TreeRow[] {
  const byKey = new Map(sessions.map((s) => [s.key, s]));
  const children = new Map<string, SessionRow[]>();
  const roots: SessionRow[] = [];
  for (const session of sessions) {
    const parent = session.spawnedBy && session.spawnedBy !== session.key && byKey.has(session.spawnedBy) ? session.spawnedBy : undefined;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), session]);
    else roots.push(session);
  }
  const activity = (s: SessionRow) => Math.max(s.updatedAt ?? 0, stats.get(s.key)?.lastTimestamp ?? 0);
  const byActivity = (a: SessionRow, b: SessionRow) => activity(b) - activity(a) || a.key.localeCompare(b.key);
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (session: SessionRow, depth: number) => {
    if (seen.has(session.key)) return; // a spawn loop in a damaged registry: show each session once
    seen.add(session.key);
    rows.push({ session, stats: stats.get(session.key), depth, lastActivity: activity(session), parentVisible: depth > 0 });
    for (const child of (children.get(session.key) ?? []).sort(byActivity)) visit(child, depth + 1);
  };
  for (const root of roots.sort(byActivity)) visit(root, 0);
  for (const session of sessions) if (!seen.has(session.key)) visit(session, 0);
  return rows;
}

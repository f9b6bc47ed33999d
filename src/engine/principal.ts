import { z } from "zod";
import { VisibilitySchema, type Visibility } from "../contract/event.js";
import type { SessionInfo } from "../sources/session.js";
import { agentOfKey, canonicalKey, DEFAULT_AGENT } from "../contract/session-keys.js";
import { ListMemo } from "./list-memo.js";

export const SCOPES = ["self", "tree", "agent", "all"] as const;
export const ScopeSchema = z.enum(SCOPES);
export type Scope = z.infer<typeof ScopeSchema>;
export const ClearanceSchema = VisibilitySchema;

/** Who is asking: a session (or an operator, with no session), what it may reach, what it may see. */
export type Principal = {
  caller?: string;
  scope: Scope;
  clearance: Visibility;
};

const RANK: Record<Visibility, number> = { public: 0, internal: 1, confidential: 2 };

export function clearanceAllows(clearance: Visibility, visibility: Visibility): boolean {
  return RANK[visibility] <= RANK[clearance];
}

export function higherVisibility(a: Visibility, b: Visibility): Visibility {
  return RANK[a] >= RANK[b] ? a : b;
}

export function sameKey(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

type LowerKeys = { key: string; storeKey: string; aliases: Array<{ key: string; storeKey: string }> };

const lowerKeys = new WeakMap<SessionInfo, LowerKeys>();

/** A session's keys (and its aliases' keys) lower-cased, once per session object (listings are reused between queries). */
function lowerKeysOf(session: SessionInfo): LowerKeys {
  let keys = lowerKeys.get(session);
  if (!keys) {
    const aliases = (session.aliases ?? []).map((a) => ({ key: a.key.toLowerCase(), storeKey: a.storeKey.toLowerCase() }));
    keys = { key: session.key.toLowerCase(), storeKey: session.storeKey.toLowerCase(), aliases };
    lowerKeys.set(session, keys);
  }
  return keys;
}

/** Every canonical key that names a session, lower-cased: its own, then its aliases'. */
export function keysOf(session: SessionInfo): string[] {
  const keys = lowerKeysOf(session);
  return keys.aliases.length === 0 ? [keys.key] : [keys.key, ...keys.aliases.map((a) => a.key)];
}

/** Each key naming a session with that key's own parent: scope follows every key as if it were a session of its own. */
export function keysWithParents(session: SessionInfo): Array<{ key: string; parentKey?: string }> {
  const own = { key: session.key, parentKey: session.parentKey };
  return session.aliases && session.aliases.length > 0 ? [own, ...session.aliases] : [own];
}

/**
 * Whether a session is the one a key names: its key or store key (any case), or a bare legacy key of
 * the default agent. Built once per key, as it is tried against every session of the store.
 */
export function namedBy(ref: string): (session: SessionInfo) => boolean {
  const asIs = ref.toLowerCase();
  const canonical = canonicalCaller(ref).toLowerCase();
  const names = (k: { key: string; storeKey: string }) => k.key === asIs || k.storeKey === asIs || k.key === canonical;
  return (session) => {
    const keys = lowerKeysOf(session);
    return names(keys) || (keys.aliases.length > 0 && keys.aliases.some(names));
  };
}

/** The caller's own key in canonical form; a bare legacy key belongs to the default agent "main". */
export function canonicalCaller(caller: string): string {
  return canonicalKey(DEFAULT_AGENT, caller);
}

/**
 * The sessions a principal may read, as OpenClaw's tools.sessions.visibility defines them:
 * self (own session), tree (own plus everything spawned from it, transitively), agent (every session
 * of its agent), all. An operator (no caller) reads all.
 */
export function sessionsInScope(sessions: readonly SessionInfo[], principal: Principal): readonly SessionInfo[] {
  return inScope.get(sessions, `${principal.scope}\n${principal.caller ?? ""}`, () => scopeOf(sessions, principal));
}

const inScope = new ListMemo<readonly SessionInfo[]>();

function scopeOf(sessions: readonly SessionInfo[], principal: Principal): readonly SessionInfo[] {
  if (principal.caller === undefined || principal.scope === "all") return sessions;
  const caller = canonicalCaller(principal.caller);
  switch (principal.scope) {
    // a session is in scope when any key naming its transcript is, each key judged by its own parent:
    // an alias never lends its parent (or its place in a tree) to the session's other keys
    case "self":
      return sessions.filter((s) => keysOf(s).includes(caller.toLowerCase()));
    case "tree": {
      const tree = subtreeKeys(sessions, caller, true);
      return sessions.filter((s) => keysOf(s).some((key) => tree.has(key)));
    }
    case "agent": {
      const own = (s: SessionInfo) => keysOf(s).includes(caller.toLowerCase());
      const agent = agentOfKey(caller) ?? sessions.find(own)?.agent;
      return sessions.filter((s) => own(s) || (agent !== undefined && s.agent === agent));
    }
  }
}

/**
 * Lower-cased keys of the sessions spawned from `root` (children only, or the whole subtree), following
 * each session's parent key; `includeRoot` adds the root itself. Safe against cycles in the registry.
 */
export function subtreeKeys(
  sessions: readonly SessionInfo[],
  root: string,
  includeRoot: boolean,
  transitive = true,
): Set<string> {
  const children = new Map<string, string[]>();
  for (const s of sessions) {
    for (const { key, parentKey } of keysWithParents(s)) {
      if (!parentKey) continue;
      const parent = parentKey.toLowerCase();
      const list = children.get(parent) ?? [];
      list.push(key.toLowerCase());
      children.set(parent, list);
    }
  }
  const rootKey = root.toLowerCase();
  const found = new Set<string>(includeRoot ? [rootKey] : []);
  const visited = new Set<string>([rootKey]);
  let frontier = [rootKey];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const key of frontier) {
      for (const child of children.get(key) ?? []) {
        if (visited.has(child)) continue;
        visited.add(child);
        found.add(child);
        if (transitive) next.push(child);
      }
    }
    frontier = next;
  }
  return found;
}

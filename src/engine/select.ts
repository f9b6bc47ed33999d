import type { SessionInfo } from "../sources/session.js";
import { noSuchSession, QueryError } from "./errors.js";
import { ListMemo } from "./list-memo.js";
import { hasWildcard, matchesAnyPattern, matchesPattern } from "./patterns.js";
import { canonicalCaller, keysOf, namedBy, sameKey, subtreeKeys, type Principal } from "./principal.js";

const CURRENT = "current";

function callerKey(principal: Principal, what: string): string {
  if (principal.caller === undefined) {
    throw new QueryError(
      `${what} "current" means your own session, but this server has no caller session (it runs as operator). Name a session key instead, e.g. "agent:main:main".`,
    );
  }
  return canonicalCaller(principal.caller);
}


export type Generations = "current" | "all";

/** Earlier transcript generations only when asked for. */
export function inGenerations(session: SessionInfo, generations: Generations | undefined): boolean {
  return generations === "all" || session.generation === "current";
}

const byRef = new ListMemo<Map<string, number[]>>();

/** Where in a list each session id and each lower-cased key and store key occurs. */
function refLookup(sessions: readonly SessionInfo[]): Map<string, number[]> {
  const lookup = new Map<string, number[]>();
  const add = (ref: string, at: number) => {
    const list = lookup.get(ref);
    if (!list) lookup.set(ref, [at]);
    else if (list.at(-1) !== at) list.push(at);
  };
  sessions.forEach((session, at) => {
    add(`id\n${session.sessionId}`, at);
    for (const named of [session, ...(session.aliases ?? [])]) {
      add(`key\n${named.key.toLowerCase()}`, at);
      add(`key\n${named.storeKey.toLowerCase()}`, at);
    }
  });
  return lookup;
}

/** The sessions of a list with any of these refs, in list order. */
function withRefs(sessions: readonly SessionInfo[], refs: string[]): SessionInfo[] {
  const lookup = byRef.get(sessions, "", () => refLookup(sessions));
  const positions = new Set(refs.flatMap((ref) => lookup.get(ref) ?? []));
  return [...positions].sort((x, y) => x - y).map((at) => sessions[at]!);
}

/** The key or id a session_events `ref` stands for ("current", or none: the caller's own key). */
export function wantedOne(ref: string | undefined, principal: Principal): string {
  const wanted = ref === undefined || sameKey(ref, CURRENT) ? callerKey(principal, "sessionKey") : ref;
  if (hasWildcard(wanted)) {
    throw new QueryError(
      `session_events reads one session, but sessionKey ${JSON.stringify(wanted)} is a pattern. Use sessions_events for patterns.`,
    );
  }
  return wanted;
}

/**
 * The one session `ref` names (key, store key, session id, or "current"), among those the caller may
 * see: the key's current transcript, or all of its generations; a session id names exactly one.
 */
export function selectOne(
  visible: readonly SessionInfo[],
  ref: string | undefined,
  principal: Principal,
  generations?: Generations,
): SessionInfo[] {
  const found = pickOne(visible, wantedOne(ref, principal), generations);
  if (found.length === 0) throw noSuchSession(ref ?? CURRENT);
  return found;
}

/** What selectOne selects for `wanted` (see wantedOne), or nothing. */
export function pickOne(visible: readonly SessionInfo[], wanted: string, generations?: Generations): SessionInfo[] {
  const byId = withRefs(visible, [`id\n${wanted}`]);
  const byKey = withRefs(visible, [`key\n${wanted.toLowerCase()}`, `key\n${canonicalCaller(wanted).toLowerCase()}`]);
  return byId.length > 0 ? byId : byKey.filter((s) => inGenerations(s, generations));
}

export type ManySelection = {
  sessionKey?: string | string[];
  agentId?: string;
  spawnedBy?: string;
  descendants?: boolean;
  generations?: Generations;
};

const selections = new ListMemo<readonly SessionInfo[]>();

/**
 * The sessions a sessions_events call selects, among those the caller may see: the same array for the
 * same selection while the listing lasts (a walk's pages share it, and what is derived from it).
 */
export function selectMany(
  visible: readonly SessionInfo[],
  selection: ManySelection,
  principal: Principal,
): readonly SessionInfo[] {
  const { sessionKey, agentId, spawnedBy, descendants, generations } = selection;
  const key = JSON.stringify([sessionKey, agentId, spawnedBy, descendants, generations, principal.caller]);
  return selections.get(visible, key, () => chooseMany(visible, selection, principal));
}

function chooseMany(visible: readonly SessionInfo[], selection: ManySelection, principal: Principal): SessionInfo[] {
  const raw = selection.sessionKey === undefined ? ["*"] : [selection.sessionKey].flat();
  const patterns = raw.map((p) => (sameKey(p, CURRENT) ? callerKey(principal, "sessionKey") : p));
  const matches = (named: { key: string; storeKey: string }) => matchesAnyPattern(patterns, named.key) || matchesAnyPattern(patterns, named.storeKey);
  let chosen = visible.filter(
    (s) => (inGenerations(s, selection.generations) && (matches(s) || (s.aliases?.some(matches) ?? false))) || patterns.includes(s.sessionId),
  );
  if (selection.agentId !== undefined) chosen = chosen.filter((s) => matchesPattern(selection.agentId!, s.agent));
  if (selection.spawnedBy !== undefined) {
    const parents = parentKeys(visible, selection.spawnedBy, principal);
    // the family is followed through visible sessions only: one the caller may not see must not change the answer
    const family = new Set(parents.flatMap((parent) => [...subtreeKeys(visible, parent, false, selection.descendants === true)]));
    chosen = chosen.filter((s) => keysOf(s).some((key) => family.has(key)));
  } else if (selection.descendants !== undefined) {
    throw new QueryError("descendants only applies together with spawnedBy (e.g. spawnedBy: \"current\", descendants: true).");
  }
  return chosen;
}

/** The keys of the session `ref` names as a parent: its own and its aliases' (one transcript spawned under any of them). */
function parentKeys(visible: readonly SessionInfo[], ref: string, principal: Principal): string[] {
  if (sameKey(ref, CURRENT)) return [callerKey(principal, "spawnedBy")];
  if (hasWildcard(ref)) throw new QueryError(`spawnedBy takes one session key, not a pattern (${JSON.stringify(ref)}).`);
  const named = namedBy(ref);
  const parent = visible.find((s) => named(s) || s.sessionId === ref);
  if (!parent) throw noSuchSession(ref);
  return keysOf(parent);
}

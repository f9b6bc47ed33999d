import type { ListingLook, SessionInfo } from "../sources/session.js";
import { agentOfKey } from "../contract/session-keys.js";
import { canonicalCaller, keysOf, keysWithParents, sessionsInScope, type Principal } from "./principal.js";
import type { QueryContext } from "./query/context.js";
import { pickOne, selectOne, wantedOne, type Generations } from "./select.js";

/** How many parent keys a tree-scope check looks up before it lists the store instead. */
const MAX_ANCESTOR_LOOKUPS = 16;

/**
 * The sessions a session_events call reads: what selectOne picks from a listing of the whole store,
 * found, where the store can, from the sessions `ref` names alone (a new process then answers without
 * listing thousands of sessions). The answer is the same either way: the same scope and the same
 * choice are applied to a list that holds every session `ref` may name; when that cannot be had, or it
 * names nothing visible (the listing then says why), the store is listed.
 */
export async function sessionsOfOne(ctx: QueryContext, ref: string | undefined, generations?: Generations, look?: ListingLook): Promise<SessionInfo[]> {
  const quick = await withoutListing(ctx, wantedOne(ref, ctx.principal), generations);
  if (quick && quick.length > 0) return quick;
  return selectOne(sessionsInScope(await ctx.listSessions(undefined, look), ctx.principal), ref, ctx.principal, generations);
}

/**
 * The sessions with this session id the caller may read (an event id names one), found as sessionsOfOne
 * finds a session: among those the store names without a listing, else in a listing.
 */
export async function visibleWithId(ctx: QueryContext, sessionId: string): Promise<readonly SessionInfo[]> {
  const named = await visibleNamed(ctx, [sessionId]);
  return (named ?? sessionsInScope(await ctx.listSessions(), ctx.principal)).filter((s) => s.sessionId === sessionId);
}

/**
 * The sessions the caller may read among those the store names by any of `refs` (keys or session ids;
 * every session so named, and maybe a few more), without a listing; undefined when only a listing can tell.
 */
export async function visibleNamed(ctx: QueryContext, refs: readonly string[]): Promise<readonly SessionInfo[] | undefined> {
  if (!ctx.sessionsNamed) return undefined;
  const named: SessionInfo[] = [];
  for (const ref of refs) {
    const found = await ctx.sessionsNamed(ref);
    if (!found) return undefined;
    named.push(...found);
  }
  return visibleAmong(ctx, named);
}

async function withoutListing(ctx: QueryContext, wanted: string, generations?: Generations): Promise<SessionInfo[] | undefined> {
  const visible = await visibleNamed(ctx, [wanted]);
  return visible && pickOne(visible, wanted, generations);
}

/** Which of these sessions the principal may read, as sessionsInScope over the whole store says; undefined if only a listing can tell. */
async function visibleAmong(ctx: QueryContext, sessions: SessionInfo[]): Promise<readonly SessionInfo[] | undefined> {
  const { principal } = ctx;
  if (principal.caller === undefined || principal.scope === "all" || principal.scope === "self") return sessionsInScope(sessions, principal);
  // the caller's agent comes from its key; a key of another form needs the caller's session to tell
  if (principal.scope === "agent") return agentOfKey(canonicalCaller(principal.caller)) ? sessionsInScope(sessions, principal) : undefined;
  const visible: SessionInfo[] = [];
  const lookups = { left: MAX_ANCESTOR_LOOKUPS };
  for (const session of sessions) {
    // in the tree when any key naming its transcript is (as sessionsInScope judges it)
    let inTree: boolean | undefined = false;
    for (const key of keysOf(session)) {
      inTree = await descendsFrom(ctx, key, principal, lookups);
      if (inTree !== false) break;
    }
    if (inTree === undefined) return undefined;
    if (inTree) visible.push(session);
  }
  return visible;
}

/**
 * Whether `key` is the caller's or in the tree spawned from it: its parents, their parents and so on
 * (any session with that key counts, as in subtreeKeys), looked up by key; undefined if it takes too many.
 */
async function descendsFrom(ctx: QueryContext, key: string, principal: Principal, lookups: { left: number }): Promise<boolean | undefined> {
  const root = canonicalCaller(principal.caller!).toLowerCase();
  const seen = new Set<string>([key.toLowerCase()]);
  let frontier = [key.toLowerCase()];
  while (frontier.length > 0) {
    if (frontier.includes(root)) return true;
    const next: string[] = [];
    for (const child of frontier) {
      if (lookups.left-- <= 0) return undefined;
      const named = await ctx.sessionsNamed!(child);
      if (!named) return undefined;
      for (const { key, parentKey } of named.flatMap(keysWithParents)) {
        const parent = parentKey?.toLowerCase();
        if (key.toLowerCase() !== child || parent === undefined || seen.has(parent)) continue;
        seen.add(parent);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return false;
}

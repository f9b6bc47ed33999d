import { createHash } from "node:crypto";
import type { SessionInfo } from "../sources/session.js";
import { comparePositions, type HeldEntry, type Position } from "./cursor.js";

/** The most sessions a cursor holds on their own; past them a page is cut for every session, as before. */
export const MAX_HELD = 32;
/** The most bytes one entry takes in a cursor's JSON (`["<tag>",<ts>,<seq>],`), with ts and seq of usual sizes. */
const ENTRY_BYTES = 43;
/** Held positions whose numbers are longer than this (odd timestamps) are held back for everyone instead. */
const MAX_NUMBER_CHARS = 16;

const tags = new WeakMap<SessionInfo, string>();

/** The session's tag in a cursor: 8 base64url characters (48 bits) of a hash of its key and id. */
export function tagOf(session: SessionInfo): string {
  let tag = tags.get(session);
  if (tag === undefined) {
    tag = createHash("sha256").update(`${session.key}\n${session.sessionId}`).digest("base64url").slice(0, 8);
    tags.set(session, tag);
  }
  return tag;
}

export const sessionId = (p: { key: string; sid: string }) => `${p.key}\n${p.sid}`;

/** The held sessions of a cursor that are in the selection, by session id, with their own positions. */
export function resolveHeld(entries: readonly HeldEntry[] | undefined, sessions: readonly SessionInfo[]): Map<string, { session: SessionInfo; at: Position }> {
  const held = new Map<string, { session: SessionInfo; at: Position }>();
  if (!entries?.length) return held;
  const byTag = new Map(entries.map((e) => [e.tag, e]));
  for (const session of sessions) {
    const entry = byTag.get(tagOf(session));
    if (entry) held.set(sessionId({ key: session.key, sid: session.sessionId }), { session, at: { ts: entry.ts, key: session.key, sid: session.sessionId, seq: entry.seq } });
  }
  return held;
}

/** Whether a position's numbers fit a cursor entry of the size counted for it. */
export function fitsEntry(p: Position): boolean {
  return JSON.stringify(p.ts).length <= MAX_NUMBER_CHARS && JSON.stringify(p.seq).length <= MAX_NUMBER_CHARS - 4;
}

/** How many held sessions a cursor has room for, given the length of one without any. */
export function heldRoom(lengthWithout: number, maxLength: number): number {
  const plaintextRoom = Math.floor(((maxLength - lengthWithout) * 3) / 4) - 8;
  return Math.max(0, Math.min(MAX_HELD, Math.floor(plaintextRoom / ENTRY_BYTES)));
}

export type HoldState = {
  /** The held sessions a page started from (each read from its own position, not the cursor). */
  held: ReadonlyMap<string, { session: SessionInfo; at: Position }>;
  /** Per session, the furthest its cursor may move this page: just before a line being written, where it grew, or an unread held session's own position. */
  caps: ReadonlyMap<string, { session: SessionInfo; at: Position }>;
};

/**
 * The held sessions of the next cursor, each at a position of its own (one of its events, skipped
 * lines or caps: a cursor entry names the session, so a position of another session would not do).
 * A session moves up to where the page considered everything (`considered`), but not past its cap;
 * it stays held when that is before the new cursor (`after`). `seen` are the positions the page
 * returned or passed (events, hidden events, skipped lines), in any order.
 */
export function nextHeld(state: HoldState, seen: readonly Position[], considered: Position | undefined, after: Position | undefined): HeldEntry[] {
  if (!after || (state.held.size === 0 && state.caps.size === 0)) return [];
  const latestSeen = new Map<string, Position>();
  for (const p of seen) {
    const id = sessionId(p);
    const known = latestSeen.get(id);
    if (!known || comparePositions(known, p) < 0) latestSeen.set(id, p);
  }
  const entries: HeldEntry[] = [];
  for (const [id, { session }] of new Map([...state.held, ...state.caps])) {
    const cap = state.caps.get(id)?.at;
    const limit = cap && (!considered || comparePositions(cap, considered) <= 0) ? cap : considered;
    // caught up: everything of it up to the new cursor was considered
    if (!limit || comparePositions(limit, after) >= 0) continue;
    const moved = [limit === cap ? cap : undefined, latestSeen.get(id)].filter((p): p is Position => p !== undefined && comparePositions(p, limit) <= 0);
    const own = [state.held.get(id)?.at, ...moved].reduce<Position | undefined>((a, b) => (!b || (a && comparePositions(b, a) <= 0) ? a : b), undefined);
    // (a session not held before whose cap is past `considered`: it is where the old cursor was, not behind the new one)
    if (own) entries.push({ tag: tagOf(session), ts: own.ts, seq: own.seq });
  }
  return entries;
}

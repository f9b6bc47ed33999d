import type { EventType, Visibility } from "../../contract/event.js";
import type { SessionInfo } from "../../sources/session.js";
import type { TimeWindow } from "../time.js";
import type { TextQuery } from "./query.js";

/** A matching event as an index knows it: where it is, and what decides who may see it (see visibility.ts). */
export type IndexedHit = { seq: number; type: EventType; role?: string; tool?: string; visibility?: Visibility };

/**
 * Matching events of one session and how many there are: those that share what decides who may see
 * them (`class`), or all of them (no `class`) when the search was asked without classes.
 */
export type IndexedHitGroup = { hits: number; class?: Omit<IndexedHit, "seq"> };

export type IndexedSearch = {
  /** Of the sessions the index is current for, those with matching events in the window, counted. */
  groups: Map<SessionInfo, IndexedHitGroup[]>;
  /** Sessions the index cannot answer for (never indexed, or changed since): they are scanned. */
  unindexed: SessionInfo[];
  /** A session's matching events in the window, in seq order. */
  hitsOf(session: SessionInfo): Iterable<IndexedHit>;
  /** Tells the index whose hits will be asked for next (it may fetch their first ones together). */
  fetchHits?(sessions: readonly SessionInfo[]): void;
  /** A session's user messages with text in the window, in seq order (for its title). */
  userMessagesOf(session: SessionInfo): Iterable<IndexedHit>;
};

/** What an update did: sessions looked at, indexed (appended to or rebuilt), events added, the bytes (UTF-8) of the text indexed (their searchable fields, redacted), and the transcript bytes read. */
export type TextIndexPass = { sessions: number; indexed: number; rebuilt: number; events: number; textBytes: number; bytesRead: number };

/**
 * A full-text index of sessions' events, kept outside the stores: text redacted as for `internal`
 * clearance, thinking apart. The engine asks it which events match, then decides itself (by scope,
 * clearance and filters) which of them count, exactly as a scan would.
 */
export interface TextIndex {
  /**
   * The index's answer; undefined for a query it cannot answer exactly (the engine scans then).
   * `classes: false` when every matching event counts whatever its class (hits are counted per
   * session only, which is much cheaper).
   */
  search(query: TextQuery, sessions: readonly SessionInfo[], options: { thinking: boolean; window: TimeWindow; classes: boolean }): IndexedSearch | undefined;
  /** Brings these sessions' index up to date: what was appended is added, what was rewritten indexed anew. */
  update(sessions: readonly SessionInfo[], options?: { signal?: AbortSignal; between?: () => Promise<void> }): Promise<TextIndexPass>;
}

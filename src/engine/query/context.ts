import type { Page } from "../../contract/page.js";
import type { ListingLook, ReadStats, SessionInfo } from "../../sources/session.js";
import type { CursorCodec } from "../cursor.js";
import type { Principal } from "../principal.js";
import type { Redactor } from "../redact.js";
import type { TextIndex } from "../search/text-index.js";
import type { ConfidentialRule } from "../visibility.js";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export type Policy = {
  rules: readonly ConfidentialRule[];
  redactor: Redactor;
  pageBytes: number;
  maxFieldChars: number;
  /** Transcript bytes one page may read before it stops at the next session (default: no cap). */
  scanBudgetBytes?: number;
};

/** Everything a query needs besides its arguments: the store, who asks, the rules, the clock. */
export type QueryContext = {
  /** The store's sessions; `sessionSetStamp`: one just taken (the listing is then as of it, or later); `look`: default "now". */
  listSessions(sessionSetStamp?: string, look?: ListingLook): Promise<SessionInfo[]>;
  /**
   * The sessions whose key, store key or session id is `ref` (and maybe a few more), found without a
   * listing; undefined when only a listing can tell. Optional: without it every query lists.
   */
  sessionsNamed?(ref: string): Promise<SessionInfo[] | undefined>;
  /**
   * A cheap stamp of what the store's set of sessions depends on (not their events); optional: without
   * it an ascending page cannot tell that sessions were added while it read (see engine/selection.ts).
   */
  sessionSetStamp?(): string;
  principal: Principal;
  policy: Policy;
  cursors: CursorCodec;
  now(): number;
  /** A full-text index kept outside the stores: a search asks it first and scans only what it cannot answer for. */
  textIndex?: TextIndex;
  /** When set, each query adds the work it did (bytes and lines read) here: for tests and benchmarks. */
  workDone?: ReadStats;
};

/** The page fields that do not depend on the events. */
export type Envelope = Omit<
  Page,
  "events" | "groups" | "nextCursor" | "hasMore" | "stoppedBy" | "hiddenByVisibility" | "truncatedEvents" | "redactedEvents" | "skippedLines"
>;

export function addWork(ctx: QueryContext, stats: ReadStats): void {
  if (!ctx.workDone) return;
  ctx.workDone.bytesRead += stats.bytesRead;
  ctx.workDone.linesRead += stats.linesRead;
  ctx.workDone.skippedLines += stats.skippedLines;
  ctx.workDone.sessionsRead += stats.sessionsRead;
}

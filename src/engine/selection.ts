import type { SessionInfo } from "../sources/session.js";
import type { QueryContext } from "./query/context.js";

/**
 * The sessions a query selected, as one look at the store gave them, and the means to tell whether the
 * store has gained sessions since that look (and to look again). A page reads its sessions one after
 * another while the store is written: a session created after the look, whose first events sort before
 * events of the sessions read later, would otherwise be passed by the page's cursor and never returned.
 */
export type Selection = {
  sessions: readonly SessionInfo[];
  /** The time (epoch ms) just before the look. */
  takenAt: number;
  /** Whether the set of sessions may have changed since the look (new sessions may exist). */
  changed(): boolean;
  /** A fresh look. */
  again(): Promise<Selection>;
};

/** `select` selects from `ctx.listSessions(stamp)`, passing the stamp on. */
export async function selectionOf(ctx: QueryContext, select: (stamp?: string) => Promise<readonly SessionInfo[]>): Promise<Selection> {
  const stamp = ctx.sessionSetStamp?.();
  const takenAt = Date.now();
  const sessions = await select(stamp);
  return {
    sessions,
    takenAt,
    changed: () => stamp !== undefined && ctx.sessionSetStamp!() !== stamp,
    again: () => selectionOf(ctx, select),
  };
}

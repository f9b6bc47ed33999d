import { newReadStats, type ReadStats, type SessionInfo } from "../sources/session.js";

export type WarmResult = {
  /** Sessions looked at. */
  sessions: number;
  /** Of them, those whose transcript had to be read (new, grown or rewritten since it was indexed). */
  read: number;
  stats: ReadStats;
};

/**
 * Reads every transcript not yet indexed to its end, as a whole-history count does, so that the
 * indexes and totals are in the cache dir before any query needs them: a query then seeks instead of
 * reading a transcript from its start (an event's seq is its position from the start, so the first
 * query to touch a transcript otherwise pays that read). An unchanged, indexed transcript costs a stat.
 */
export async function warmIndexes(sessions: readonly SessionInfo[]): Promise<WarmResult> {
  const stats = newReadStats();
  let read = 0;
  for (const session of sessions) {
    if (session.missingTranscript?.() !== undefined) continue;
    const options = { stats };
    if (!session.countedWhole(options)) {
      read++;
      for await (const _ of session.eventsForCounting(options, {}, true)) {
        // drained for its side effect: the index and totals it leaves
      }
    }
  }
  return { sessions: sessions.length, read, stats };
}

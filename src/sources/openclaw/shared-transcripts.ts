import { canonicalKey } from "../../contract/session-keys.js";
import { asString, parseInstant, type Json } from "../transcript/values.js";

/** A registry entry about to become a session (a node's current transcript, or an earlier window). */
export type EntryCandidate = {
  storeKey: string;
  sessionId: string;
  entry: Json;
  generation: "current" | "earlier";
};

export type GroupedEntry<T extends EntryCandidate> = T & { aliases: T[] };

/** A cron run's key: `...:cron:<job>:run:<id>`. */
const CRON_RUN = /(?:^|:)cron:[^:]+:run:[^:]+$/i;

/**
 * One entry per transcript (EVENTS.md "One transcript, one set of events"): entries of one agent that
 * name the same session id become one, reported under a current generation's key before an earlier
 * one's, then a cron run's key, then the most recently updated key (ties: the first key in code-unit
 * order, so that a lookup of a few entries chooses as a listing of all does); the other keys are its aliases. Order is kept: each group stands where its first entry stood.
 */
export function oneEntryPerTranscript<T extends EntryCandidate>(candidates: readonly T[]): Array<GroupedEntry<T>> {
  const groups = new Map<string, T[]>();
  for (const candidate of candidates) {
    const group = groups.get(candidate.sessionId);
    if (group) group.push(candidate);
    else groups.set(candidate.sessionId, [candidate]);
  }
  const grouped: Array<GroupedEntry<T>> = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      grouped.push({ ...group[0]!, aliases: [] });
      continue;
    }
    const chosen = group.reduce((best, next) => (reportedBefore(next, best) ? next : best));
    grouped.push({ ...chosen, aliases: group.filter((c) => c !== chosen) });
  }
  return grouped;
}

function reportedBefore(a: EntryCandidate, b: EntryCandidate): boolean {
  if (a.generation !== b.generation) return a.generation === "current";
  const aRun = CRON_RUN.test(a.storeKey);
  if (aRun !== CRON_RUN.test(b.storeKey)) return aRun;
  const aUpdated = parseInstant(a.entry.updatedAt) ?? -Infinity;
  const bUpdated = parseInstant(b.entry.updatedAt) ?? -Infinity;
  if (aUpdated !== bUpdated) return aUpdated > bUpdated;
  return a.storeKey < b.storeKey;
}

/**
 * Whether a session is a run that ends, whose registry status may give it a `session_end`: spawned
 * (`spawnedBy`/`parentSessionKey`, or a `subagent:` key), a cron run, or an `explicit:` run. A chat
 * session's status (main, a DM, a group, a cron job's own key) describes only its latest run.
 */
export function isRun(agent: string, storeKey: string, entry: Json): boolean {
  if (asString(entry.spawnedBy) || asString(entry.parentSessionKey)) return true;
  const rest = canonicalKey(agent, storeKey).replace(/^agent:[^:]*:/i, "").toLowerCase();
  return rest.startsWith("subagent:") || rest.includes(":subagent:") || rest.startsWith("explicit:") || CRON_RUN.test(rest);
}

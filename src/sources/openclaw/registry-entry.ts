import { canonicalKey } from "../../contract/session-keys.js";
import type { ReadOptions, SessionInfo, StoreKind, TranscriptRead } from "../session.js";
import { eventsBackward, eventsForCounting, eventsForward } from "../index/indexed-events.js";
import type { IndexStore } from "../index/index-store.js";
import type { RegistryEnd } from "../transcript/transcript-events.js";
import { asNumber, asString, parseInstant, type Json } from "../transcript/values.js";

/** Clock and file-system time can disagree a little; a session is only skipped by time beyond this. */
export const ACTIVITY_SLACK_MS = 60_000;

export type EntrySession = {
  agent: string;
  /** The registry key as stored; undefined for a transcript the registry does not list. */
  storeKey: string | undefined;
  sessionId: string;
  entry: Json | undefined;
  source: StoreKind;
  location: string;
  watchDir?: string;
  generation?: "current" | "earlier";
  /** Another time that bounds the session's last event (file mtime, last row time), looked up when asked. */
  lastWrite?: () => Promise<number | undefined>;
  /** Whether the registry's status may end the session with session_end (ClawJS has no registry). */
  hasRegistry?: boolean;
  /** Starts one read of the transcript. */
  open(): TranscriptRead;
  /** Where transcript indexes are kept. */
  indexes: IndexStore;
};


/** A SessionInfo from a registry entry (sessions.json or session_nodes.entry_json): the same for every store. */
export function sessionFromEntry(input: EntrySession): SessionInfo {
  const { agent, storeKey, sessionId, entry } = input;
  const key = storeKey !== undefined ? canonicalKey(agent, storeKey) : `agent:${agent}:unregistered:${sessionId}`;
  const registryEnd: RegistryEnd | undefined = entry && {
    status: asString(entry.status),
    endedAt: parseInstant(entry.endedAt),
    updatedAt: parseInstant(entry.updatedAt),
    runtimeMs: asNumber(entry.runtimeMs),
  };
  const parent = asString(entry?.spawnedBy) ?? asString(entry?.parentSessionKey);
  const known = [registryEnd?.updatedAt, registryEnd?.endedAt, parseInstant(entry?.lastActivityAt)].filter(
    (t): t is number => t !== undefined,
  );
  const reading = (options: ReadOptions) => ({
    read: input.open(),
    identity: { agent, session: key, sessionId, source: input.source },
    registryEnd: input.hasRegistry === false ? undefined : registryEnd,
    options,
    indexes: input.indexes,
  });
  return {
    key,
    storeKey: storeKey ?? key,
    agent,
    sessionId,
    source: input.source,
    generation: input.generation ?? "current",
    parentKey: parent ? canonicalKey(agent, parent) : undefined,
    updatedAt: registryEnd?.updatedAt ?? (known.length > 0 ? Math.max(...known) : undefined),
    activity: async () => {
      const times = [...known, await input.lastWrite?.()].filter((t): t is number => t !== undefined);
      return times.length > 0 ? Math.max(...times) + ACTIVITY_SLACK_MS : undefined;
    },
    status: registryEnd?.status ?? (entry ? undefined : "unregistered"),
    startedAt: parseInstant(entry?.startedAt) ?? parseInstant(entry?.sessionStartedAt),
    endedAt: registryEnd?.endedAt,
    runtimeMs: registryEnd?.runtimeMs,
    label: asString(entry?.label),
    displayName: asString(entry?.displayName),
    channel: asString(entry?.channel),
    model: asString(entry?.model),
    registered: entry !== undefined,
    location: input.location,
    watchDir: input.watchDir,
    events: (options) => {
      const read = reading(options);
      return options.direction === "backward" ? eventsBackward(read) : eventsForward(read);
    },
    eventsForCounting: (options, window, rollupUsable) => eventsForCounting(reading(options), window, rollupUsable),
  };
}

import { canonicalKey, DEFAULT_AGENT } from "../../contract/session-keys.js";
import type { ReadOptions, SessionInfo, StoreKind, TranscriptRead } from "../session.js";
import { eventsBackward, eventsForCounting, eventsForward, wholeFromRollup } from "../index/indexed-events.js";
import type { IndexStore } from "../index/index-store.js";
import type { RegistryEnd } from "../transcript/transcript-events.js";
import { transcriptContentState } from "../transcript/content-state.js";
import { withTurns } from "../transcript/turns.js";
import { asNumber, asString, parseInstant, type Json } from "../transcript/values.js";
import { isRun } from "./shared-transcripts.js";

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
  /** Whether the registry lists this transcript (default: an entry is given); a file archive's entry is made up. */
  registered?: boolean;
  /** Another time that bounds the session's last event (file mtime, last row time), looked up when asked. */
  lastWrite?: () => number | undefined;
  /** Whether the registry's status may end the session with session_end (ClawJS has no registry). */
  hasRegistry?: boolean;
  /** Other registry keys (with their entries) that name the same transcript; see oneEntryPerTranscript. */
  aliases?: ReadonlyArray<{ storeKey: string; entry: Json }>;
  /** For a registered session: how a note names its transcript when it does not exist, else undefined. */
  missing?: () => string | undefined;
  /** Starts one read of the transcript. */
  open(): TranscriptRead;
  /** Where transcript indexes are kept. */
  indexes: IndexStore;
};


/**
 * The registry entry fields sessions are made from (a file store's `sessionId` and `sessionFile` too).
 * Real entries hold far more (a `skillsSnapshot` of 13-90 KB each in some OpenClaw versions), none of
 * which is read: a kept copy of a registry keeps only these.
 */
export const ENTRY_FIELDS = [
  "sessionId",
  "sessionFile",
  "status",
  "updatedAt",
  "endedAt",
  "runtimeMs",
  "startedAt",
  "sessionStartedAt",
  "lastActivityAt",
  "spawnedBy",
  "parentSessionKey",
  "label",
  "displayName",
  "channel",
  "model",
] as const;

/** An entry with only its ENTRY_FIELDS that hold a string or a number (every reader takes other values as absent). */
export function slimEntry(entry: Json): Json {
  const slim: Json = {};
  for (const field of ENTRY_FIELDS) {
    const value = entry[field];
    if (typeof value === "string" || typeof value === "number") slim[field] = value;
  }
  return slim;
}

/**
 * The store keys, lower-cased, under which an agent's registry may hold a session that `ref` names by
 * key: `ref` as it is, canonical (a bare key is the default agent's), or bare (the agent's own prefix off).
 */
export function storeKeysNaming(agent: string, ref: string): string[] {
  const forms = new Set([ref.toLowerCase(), canonicalKey(DEFAULT_AGENT, ref).toLowerCase()]);
  const prefix = `agent:${agent.toLowerCase()}:`;
  for (const form of [...forms]) if (form.startsWith(prefix)) forms.add(form.slice(prefix.length));
  return [...forms];
}

/** A SessionInfo from a registry entry (sessions.json or session_nodes.entry_json): the same for every store. */
export function sessionFromEntry(input: EntrySession): SessionInfo {
  // (not `input` itself in the closures: it holds the whole entry)
  const { location, open, lastWrite, missing } = input;
  const place: SessionPlace = {
    indexes: input.indexes,
    hasRegistry: input.hasRegistry,
    location: () => location,
    open: () => open(),
    lastWrite: lastWrite && (() => lastWrite()),
    missing: missing && (() => missing()),
  };
  // (slim: a database row's entry may hold far more than sessions are made of, and is kept until asked for)
  const aliases = input.aliases?.map((alias) => ({ storeKey: alias.storeKey, entry: slimEntry(alias.entry) }));
  return new RegistrySession(input, place, 0, { entry: input.entry && slimEntry(input.entry), aliases });
}

/** A session of a place that keeps many (an agent's listing): `at` is its row. */
export function sessionAt(
  fields: Pick<EntrySession, "agent" | "storeKey" | "sessionId" | "source" | "watchDir" | "generation" | "registered">,
  place: SessionPlace,
  at: number,
): SessionInfo {
  return new RegistrySession(fields, place, at);
}

/** What a session takes from its registry entry: worked out when first asked for (a listing has thousands, a query reads a few). */
type EntryDetails = Pick<
  SessionInfo,
  "parentKey" | "aliases" | "updatedAt" | "status" | "startedAt" | "endedAt" | "runtimeMs" | "label" | "displayName" | "channel" | "model"
> & {
  registryEnd?: RegistryEnd;
  knownActivity?: number;
};

/**
 * Where sessions' transcripts and entries are: one place per session (sessionFromEntry), or one shared
 * by the thousands of rows of an agent's listing (`at`: the row), which then keeps their entries as
 * JSON text, parsed only for the sessions a query reads (a session then costs a few fields, not an
 * object of closures and parsed fields each).
 */
export interface SessionPlace {
  readonly indexes: IndexStore;
  /** false: the registry's status may not end the session with session_end (ClawJS has no registry). */
  readonly hasRegistry?: boolean;
  location(at: number): string;
  open(at: number): TranscriptRead;
  /** Another time that bounds the session's last event (file mtime, last row time), looked up when asked. */
  lastWrite?(at: number): number | undefined;
  /** For a registered session: how a note names its transcript when it does not exist, else undefined. */
  missing?(at: number): string | undefined;
  /** A listing's rows: the entry's own bound on its last event (knownActivityOf), without parsing it. */
  knownActivity?(at: number): number | undefined;
  /** A listing's rows: the entry as JSON text (`[entry, aliases]` when `aliased`), for parsing when asked. */
  entryText?(at: number): { text: string; aliased: boolean };
  /** A listing's rows: whether the entry has aliases, without parsing it. */
  aliased?(at: number): boolean;
}

/** The latest time an entry itself gives for its session's activity (updatedAt, endedAt, lastActivityAt). */
export function knownActivityOf(entry: Json | undefined): number | undefined {
  return entry ? maxOf(parseInstant(entry.updatedAt), parseInstant(entry.endedAt), parseInstant(entry.lastActivityAt)) : undefined;
}

/** A session the registry describes; reading it goes through its transcript's index. */
class RegistrySession implements SessionInfo {
  readonly key: string;
  readonly storeKey: string;
  readonly agent: string;
  readonly sessionId: string;
  readonly source: StoreKind;
  readonly generation: "current" | "earlier";
  readonly registered: boolean;
  readonly watchDir?: string;
  /** Where its transcript and entry are, and which of the place's sessions it is. */
  private readonly place: SessionPlace;
  private readonly at: number;
  /** The entry and its aliases until their details are worked out (then dropped); none when the place keeps them. */
  private given: { entry: Json | undefined; aliases: EntrySession["aliases"] } | undefined;
  private worked: EntryDetails | undefined;
  /** Whether the key is the registry's (not made up for a transcript it does not list). */
  private readonly fromRegistry: boolean;

  constructor(
    fields: Pick<EntrySession, "agent" | "storeKey" | "sessionId" | "source" | "watchDir" | "generation" | "registered">,
    place: SessionPlace,
    at: number,
    given?: { entry: Json | undefined; aliases: EntrySession["aliases"] },
  ) {
    const { agent, storeKey, sessionId } = fields;
    this.place = place;
    this.at = at;
    this.key = storeKey !== undefined ? canonicalKey(agent, storeKey) : `agent:${agent}:unregistered:${sessionId}`;
    this.storeKey = storeKey ?? this.key;
    this.fromRegistry = storeKey !== undefined;
    this.agent = agent;
    this.sessionId = sessionId;
    this.source = fields.source;
    this.generation = fields.generation ?? "current";
    this.watchDir = fields.watchDir;
    this.registered = fields.registered ?? (place.entryText ? storeKey !== undefined : given?.entry !== undefined);
    this.given = given;
  }

  get location(): string {
    return this.place.location(this.at);
  }

  private details(): EntryDetails {
    if (this.worked) return this.worked;
    let given = this.given;
    const kept = this.place.entryText?.(this.at);
    if (kept && kept.text !== "") {
      const parsed = JSON.parse(kept.text) as Json | [Json, Array<[string, Json]>];
      given = Array.isArray(parsed) ? { entry: parsed[0], aliases: parsed[1].map(([storeKey, entry]) => ({ storeKey, entry })) } : { entry: parsed, aliases: undefined };
    }
    this.worked = entryDetails(this.agent, this.fromRegistry ? this.storeKey : undefined, given?.entry, given?.aliases);
    this.given = undefined;
    return this.worked;
  }

  get parentKey() {
    return this.details().parentKey;
  }
  get aliases() {
    // (most sessions have none: a listing's selection asks every session, without parsing each)
    if (this.place.aliased && !this.worked && !this.place.aliased(this.at)) return undefined;
    return this.details().aliases;
  }
  get updatedAt() {
    return this.details().updatedAt;
  }
  get status() {
    return this.details().status;
  }
  get startedAt() {
    return this.details().startedAt;
  }
  get endedAt() {
    return this.details().endedAt;
  }
  get runtimeMs() {
    return this.details().runtimeMs;
  }
  get label() {
    return this.details().label;
  }
  get displayName() {
    return this.details().displayName;
  }
  get channel() {
    return this.details().channel;
  }
  get model() {
    return this.details().model;
  }
  private get registryEnd() {
    return this.details().registryEnd;
  }

  private knownActivity(): number | undefined {
    return this.place.knownActivity && !this.worked ? this.place.knownActivity(this.at) : this.details().knownActivity;
  }

  private present = false;

  /**
   * A transcript found is found for the listing's life; one missing is looked for again on each ask,
   * so a transcript written since the listing (a listing lives for seconds) is read, never passed over.
   */
  missingTranscript(): string | undefined {
    if (this.present || !this.registered) return undefined;
    const missing = this.place.missing?.(this.at);
    if (missing === undefined) this.present = true;
    return missing;
  }

  private activityBound: number | undefined | null = null;

  /** Looked up once per listing: a listing stands for one look at the store. */
  activity(): number | undefined {
    if (this.activityBound === null) {
      const latest = maxOf(this.knownActivity(), this.place.lastWrite?.(this.at));
      this.activityBound = latest === undefined ? undefined : latest + ACTIVITY_SLACK_MS;
    }
    return this.activityBound;
  }

  async earliest(): Promise<number | undefined> {
    const text = this.place.open(this.at).firstLine();
    if (text === undefined) return undefined;
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      // the first line's time bounds every event's order time (the running maximum of own times)
      return parseInstant(line.timestamp) ?? parseInstant((line.message as Record<string, unknown> | undefined)?.timestamp);
    } catch {
      return undefined;
    }
  }

  rawLines() {
    return this.place.open(this.at).lines(undefined, undefined, true);
  }

  contentState() {
    return transcriptContentState(this.key, this.place.open(this.at));
  }

  events(options: ReadOptions) {
    const read = this.reading(options);
    return withTurns(options.direction === "backward" ? eventsBackward(read) : eventsForward(read));
  }

  eventsForCounting(options: ReadOptions, window: { since?: number; until?: number }, rollupUsable: boolean) {
    return withTurns(eventsForCounting(this.reading(options), window, rollupUsable));
  }

  countedWhole(options: ReadOptions) {
    const read = this.reading(options);
    return wholeFromRollup(read, read.read.version());
  }

  private reading(options: ReadOptions) {
    return {
      read: this.place.open(this.at),
      identity: { agent: this.agent, session: this.key, sessionId: this.sessionId, source: this.source },
      // a transcript that is not there has no events at all, not even the registry's end
      registryEnd: this.place.hasRegistry === false || !this.registryEnd || this.missingTranscript() !== undefined ? undefined : this.registryEnd,
      options,
      indexes: this.place.indexes,
    };
  }
}

/** What a session takes from its entry (none: a transcript the registry does not list) and its aliases' entries. */
function entryDetails(agent: string, storeKey: string | undefined, entry: Json | undefined, aliases: EntrySession["aliases"]): EntryDetails {
  const details: EntryDetails = {};
  if (aliases && aliases.length > 0) {
    details.aliases = aliases.map((alias) => ({
      key: canonicalKey(agent, alias.storeKey),
      storeKey: alias.storeKey,
      ...(parentOf(agent, alias.entry) !== undefined ? { parentKey: parentOf(agent, alias.entry) } : {}),
    }));
  }
  if (entry) {
    const status = asString(entry.status);
    const endedAt = parseInstant(entry.endedAt);
    const runtimeMs = asNumber(entry.runtimeMs);
    // only a run ends with its status: a chat session's status and endedAt are its latest run's
    if (storeKey !== undefined && isRun(agent, storeKey, entry)) {
      details.registryEnd = { status, endedAt, updatedAt: parseInstant(entry.updatedAt), runtimeMs };
    }
    details.parentKey = parentOf(agent, entry);
    details.status = status;
    details.startedAt = parseInstant(entry.startedAt) ?? parseInstant(entry.sessionStartedAt);
    details.endedAt = endedAt;
    details.runtimeMs = runtimeMs;
    details.label = asString(entry.label);
    details.displayName = asString(entry.displayName);
    details.channel = asString(entry.channel);
    details.model = asString(entry.model);
  } else {
    details.status = "unregistered";
  }
  const updatedAt = parseInstant(entry?.updatedAt);
  details.knownActivity = knownActivityOf(entry);
  details.updatedAt = updatedAt ?? details.knownActivity;
  return details;
}

function parentOf(agent: string, entry: Json): string | undefined {
  const parent = asString(entry.spawnedBy) ?? asString(entry.parentSessionKey);
  return parent ? canonicalKey(agent, parent) : undefined;
}

function maxOf(...times: Array<number | undefined>): number | undefined {
  let max: number | undefined;
  for (const t of times) if (t !== undefined && (max === undefined || t > max)) max = t;
  return max;
}

/**
 * The state of a session as a projection of its event log: a reducer that folds events, one at a time,
 * into the state right after them. It depends on nothing but the events it is given, in the order
 * given, so the state after the first k events is the same however it is reached ("what did the agent
 * see at step 12?" = fold the first 12). Memory is bounded by the state, not the log: counters, the
 * most recent messages' shaped text, and the transcript's entry tree (a few numbers per entry, no
 * content) so that the context follows the active branch (EVENTS.md "Branches").
 */
import type { SessionEvent } from "../../contract/event.js";
import type { ContextMessage, SessionState, SpawnedChild } from "../../contract/session-state.js";
import { usageTotal } from "../../contract/usage.js";
import { EntryTree } from "./entry-tree.js";

/** One event as the projection takes it: shaped for the caller like a page event, plus what projections need. */
export type StateEvent = {
  /** Its place in the projected history: its seq (with several transcripts, its place among all their events). */
  position: number;
  event: SessionEvent;
  /** The transcript entry (line) it came from. */
  entryId?: string;
  /** The entry's parent (null: a root; absent: the line names none, and the file order is the branch). */
  parentId?: string | null;
  /** Of a `leaf` line: the entry the active branch now ends at. */
  leafTarget?: string | null;
  /** The line is bookkeeping outside the conversation tree (`metadata`). */
  bookkeeping?: boolean;
  /** A compaction's summary text, shaped like any text field. */
  summary?: { text: string; truncated: boolean; redacted: boolean };
  /** The model in effect after the event's line (a model set before any reply is known only this way). */
  modelInEffect?: string;
};

/** What the fold yields: the state, without what only the reader knows (who asked, the point, the registry). */
export type ProjectedState = Omit<SessionState, "session" | "agent" | "sessionId" | "point" | "atEnd" | "hiddenByVisibility" | "skippedLines" | "spawned"> & {
  sessionId: string | null;
  spawned: { count: number; children: Array<Omit<SpawnedChild, "status" | "endedAt">> };
};

/** The bounds that keep a projection's memory (and its answer) small. */
export const PROJECTION_LIMITS = {
  /** Context messages a caller may ask for. */
  ring: 50,
  /** The newest messages whose shaped text is kept (older ones on the active branch are read again). */
  kept: 256,
  children: 20,
  labels: 20,
  /** Distinct keys per count map (roles, tools); the rest are counted under OTHER_KEY. */
  keys: 50,
  keyChars: 120,
} as const;
export const OTHER_KEY = "(other)";

/** The entry-tree links of an event, all a projection needs of an event the caller may not see. */
export type EntryLinks = Pick<StateEvent, "entryId" | "parentId" | "leafTarget" | "bookkeeping">;
type Model = { provider: string | null; model: string };

export class SessionProjection {
  private seq = 0;
  private timestamp: number | null = null;
  private sessionId: string | null = null;
  private eventsProjected = 0;
  private model: Model | null = null;
  private thinkingLevel: string | null = null;
  private name: string | null = null;
  private label: string | null = null;
  private labels: Array<{ targetId: string | null; label: string }> = [];
  private ended: ProjectedState["ended"] = null;
  private readonly messagesByRole: Record<string, number> = {};
  private readonly toolCalls: Record<string, number> = {};
  private readonly toolErrors: Record<string, number> = {};
  private errors = 0;
  private readonly tokens = { input: 0, output: 0, total: 0 };
  private cost = 0;
  private compactionCount = 0;
  private lastCompaction: ProjectedState["compactions"]["last"] = null;
  private lastCompactionCutFound = true;
  private lastError: ProjectedState["lastError"] = null;
  private spawnedCount = 0;
  private children: ProjectedState["spawned"]["children"] = [];
  /** The current transcript's entries (also those the caller may not see), and the shaped text of its newest messages by entry node. */
  private treeSessionId: string | null = null;
  private tree = new EntryTree();
  private kept = new Map<number, ContextMessage>();
  private keptOrder: number[] = [];
  /** Messages of the active branch older than those kept, read again for the view (node -> message). */
  private recalled = new Map<number, ContextMessage>();
  private recalling = new Map<number, number>();

  /** Folds one event into the state. Events must come in the order of the log. */
  apply(input: StateEvent): this {
    const { event } = input;
    if (this.sessionId !== null && event.sessionId !== this.sessionId) this.newTranscript();
    this.enterTree(event.sessionId);
    this.seq = input.position;
    this.timestamp = event.timestamp;
    this.sessionId = event.sessionId;
    this.eventsProjected++;
    const node = this.place(input, event.type === "message");
    const p = event.payload;
    switch (event.type) {
      case "message":
        this.message(input, p, node);
        break;
      case "model_switch": {
        const to = record(p.to);
        if (typeof to?.model === "string") this.model = { provider: str(to.provider) ?? null, model: to.model };
        break;
      }
      case "tool_call":
        bump(this.toolCalls, str(p.toolName) ?? "(unnamed)");
        break;
      case "tool_error":
        bump(this.toolErrors, str(p.toolName) ?? "(unnamed)");
        break;
      case "error":
        this.errors++;
        this.lastError = { seq: input.position, time: isoOf(event.timestamp), message: str(p.message) ?? "" };
        break;
      case "state_change":
        this.stateChange(p);
        break;
      case "compaction":
        this.compaction(input, p, node);
        break;
      case "spawn":
        this.spawnedCount++;
        this.children.push(
          defined({
            childSessionKey: str(p.childSessionKey) ?? "",
            task: str(p.task),
            label: str(p.label),
            agentId: str(p.agentId),
            runId: str(p.runId),
            seq: input.position,
            time: isoOf(event.timestamp),
          }),
        );
        if (this.children.length > PROJECTION_LIMITS.children) this.children.shift();
        break;
      case "session_end":
        this.ended = defined({ status: str(p.status) ?? "ended", runtimeMs: typeof p.runtimeMs === "number" ? p.runtimeMs : undefined });
        break;
    }
    if (this.model === null && input.modelInEffect !== undefined) this.model = { provider: null, model: input.modelInEffect };
    return this;
  }

  /**
   * Takes the place in the entry tree of an event the caller may not see: nothing of it counts, but
   * the active branch runs through it (or is rewound by it).
   */
  applyHidden(links: EntryLinks, sessionId: string): this {
    this.enterTree(sessionId);
    this.place(links, false);
    return this;
  }

  /**
   * The event positions of the last `lastMessages` context messages whose text is no longer kept (an
   * old branch the session was rewound to): give them to recall() before view().
   */
  recallNeeded(lastMessages: number): Set<number> {
    this.recalling = new Map();
    for (const { node, position } of this.tree.lastMessages(lastMessages)) {
      if (!this.kept.has(node) && !this.recalled.has(node)) this.recalling.set(position, node);
    }
    return new Set(this.recalling.keys());
  }

  /** A message event read again at a position recallNeeded() asked for. */
  recall(input: StateEvent): void {
    const node = this.recalling.get(input.position);
    if (node !== undefined && input.event.type === "message") this.recalled.set(node, contextMessage(input));
  }

  /** The state after the events applied so far, with the last `lastMessages` context messages. */
  view(lastMessages: number): ProjectedState {
    const notes: string[] = [];
    if (!this.lastCompactionCutFound) {
      notes.push(
        `The last compaction keeps the context from entry ${JSON.stringify(this.lastCompaction?.firstKeptEntryId)}, which is not an entry before it on its branch; no message was taken out of the context for it.`,
      );
    }
    const slots = lastMessages <= 0 ? [] : this.tree.lastMessages(lastMessages);
    const messages = slots.flatMap(({ node }) => {
      const message = this.kept.get(node) ?? this.recalled.get(node);
      return message ? [{ ...message }] : [];
    });
    if (messages.length < slots.length) notes.push(`${slots.length - messages.length} older message(s) in context were not read again and are not in lastMessages.`);
    return {
      seq: this.seq,
      timestamp: this.timestamp,
      time: this.timestamp === null ? null : isoOf(this.timestamp),
      sessionId: this.sessionId,
      eventsProjected: this.eventsProjected,
      model: this.model && { ...this.model },
      thinkingLevel: this.thinkingLevel,
      name: this.name,
      label: this.label,
      labels: this.labels.map((l) => ({ ...l })),
      ended: this.ended && { ...this.ended },
      totals: {
        messages: { ...this.messagesByRole },
        toolCalls: { ...this.toolCalls },
        toolErrors: { ...this.toolErrors },
        errors: this.errors,
        tokens: { ...this.tokens },
        costUsd: Math.round(this.cost * 1e6) / 1e6,
      },
      compactions: { count: this.compactionCount, last: this.lastCompaction && { ...this.lastCompaction } },
      lastError: this.lastError && { ...this.lastError },
      spawned: { count: this.spawnedCount, children: this.children.map((c) => ({ ...c })) },
      messagesInContext: this.tree.inContext(),
      lastMessages: messages,
      notes,
    };
  }

  /** A transcript's events (seen or not) start a new entry tree. */
  private enterTree(sessionId: string): void {
    if (this.treeSessionId === sessionId) return;
    this.treeSessionId = sessionId;
    this.tree = new EntryTree();
    this.kept = new Map();
    this.keptOrder = [];
    this.recalled = new Map();
  }

  /** The event's node in the entry tree (-1: none), made on its entry's first event; a `leaf` line rewinds. */
  private place(links: EntryLinks, isMessage: boolean): number {
    if (links.leafTarget !== undefined) {
      this.tree.rewind(links.leafTarget, links.entryId);
      return -1;
    }
    if (links.bookkeeping || (links.entryId === undefined && !isMessage)) return -1;
    return this.tree.enter(links.entryId, links.parentId);
  }

  private message(input: StateEvent, p: Record<string, unknown>, node: number): void {
    const role = str(p.role) ?? "unknown";
    bump(this.messagesByRole, role);
    if (role === "assistant") {
      const usage = record(p.usage);
      if (usage) {
        const tokensIn = num(usage.input);
        const tokensOut = num(usage.output);
        this.tokens.input += tokensIn;
        this.tokens.output += tokensOut;
        this.tokens.total += usageTotal(usage);
        this.cost += num(usage.cost);
      }
      const model = str(p.model);
      const provider = str(p.provider);
      // replies injected by the gateway itself name no real model (EVENTS.md model switch rule)
      if (model !== undefined && provider !== "openclaw") this.model = { provider: provider ?? this.model?.provider ?? null, model };
    }
    if (node < 0 || !this.tree.markMessage(node, input.position)) return;
    this.kept.set(node, contextMessage(input));
    this.keptOrder.push(node);
    if (this.keptOrder.length > PROJECTION_LIMITS.kept) this.kept.delete(this.keptOrder.shift()!);
  }

  private stateChange(p: Record<string, unknown>): void {
    const value = p.value === null || p.value === undefined ? null : typeof p.value === "string" ? p.value : JSON.stringify(p.value);
    switch (p.key) {
      case "thinkingLevel":
        this.thinkingLevel = value;
        break;
      case "name":
        this.name = value;
        break;
      case "label": {
        const targetId = str(p.targetId) ?? null;
        this.label = value === "" ? null : value;
        this.labels = this.labels.filter((l) => l.targetId !== targetId);
        if (this.label !== null) this.labels.push({ targetId, label: this.label });
        if (this.labels.length > PROJECTION_LIMITS.labels) this.labels.shift();
        break;
      }
    }
  }

  private compaction(input: StateEvent, p: Record<string, unknown>, node: number): void {
    this.compactionCount++;
    const firstKeptEntryId = str(p.firstKeptEntryId) ?? null;
    this.lastCompaction = defined({
      seq: input.position,
      time: isoOf(input.event.timestamp),
      tokensBefore: typeof p.tokensBefore === "number" ? p.tokensBefore : null,
      firstKeptEntryId,
      summary: input.summary?.text ?? null,
      truncated: input.summary?.truncated || undefined,
      redacted: input.summary?.redacted || undefined,
    });
    // the context on this branch is now the summary plus the messages from the first kept entry on
    this.lastCompactionCutFound = firstKeptEntryId === null || (node >= 0 && this.tree.compact(node, firstKeptEntryId));
  }

  /** A later transcript of the key (generations "all"): it starts with an empty context and no entry labels. */
  private newTranscript(): void {
    this.labels = [];
    this.label = null;
    this.ended = null;
    this.lastCompactionCutFound = true;
  }
}

/** Folds a whole (prefix of a) log: the state right after its last event. */
export function projectState(events: Iterable<StateEvent>, lastMessages: number): ProjectedState {
  const projection = new SessionProjection();
  for (const event of events) projection.apply(event);
  return projection.view(lastMessages);
}

function contextMessage(input: StateEvent): ContextMessage {
  const { event } = input;
  const p = event.payload;
  return defined({
    id: event.id,
    seq: event.seq,
    time: isoOf(event.timestamp),
    role: str(p.role) ?? "unknown",
    text: str(p.text) ?? "",
    thinking: str(p.thinking),
    model: str(p.model),
    provider: str(p.provider),
    stopReason: str(p.stopReason),
    entryId: input.entryId,
    truncated: event.truncated,
    redacted: event.redacted,
  });
}

function bump(counts: Record<string, number>, rawKey: string): void {
  let key = rawKey.length > PROJECTION_LIMITS.keyChars ? `${rawKey.slice(0, PROJECTION_LIMITS.keyChars)}…` : rawKey;
  if (!Object.hasOwn(counts, key) && Object.keys(counts).length >= PROJECTION_LIMITS.keys) key = OTHER_KEY;
  setCount(counts, key, (Object.hasOwn(counts, key) ? counts[key]! : 0) + 1);
}

/** Sets a count, also for the key "__proto__", which plain assignment would treat specially. */
function setCount(counts: Record<string, number>, key: string, value: number): void {
  Object.defineProperty(counts, key, { value, enumerable: true, writable: true, configurable: true });
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isoOf(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The object without its undefined fields (so equal states compare equal and serialize the same). */
function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

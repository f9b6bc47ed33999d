/**
 * session_state: resolves one session the caller may see, reads its events up to the point, keeps the
 * ones the caller may see (shaped the way pages shape them), and folds them with the projection.
 */
import type { SessionEvent, Visibility } from "../../contract/event.js";
import { LAST_MESSAGES, type SessionState, type SessionStateInput, type SpawnedChild } from "../../contract/session-state.js";
import { newReadStats, type ReadOptions, type SessionInfo, type SourceEvent } from "../../sources/session.js";
import { positionOf } from "../collect.js";
import { comparePositions } from "../cursor.js";
import { QueryError } from "../errors.js";
import { jsonBytes, PageEventShaper, type ShapePolicy } from "../page-events.js";
import { hasWildcard } from "../patterns.js";
import { canonicalCaller, clearanceAllows, namedBy, sameKey, sessionsInScope } from "../principal.js";
import type { QueryContext } from "../run-query.js";
import { addWork } from "../query/context.js";
import { redactAnswer, redactorFor } from "../answer-redaction.js";
import { missingTranscriptNotes } from "../missing-transcripts.js";
import { sessionsOfOne, visibleNamed } from "../one-session.js";
import { shapeValue } from "../shape.js";
import { parseTimeBound } from "../time.js";
import { classify } from "../visibility.js";
import { SessionProjection, type EntryLinks, type StateEvent } from "./project.js";

/** How text reaches the projection for this caller: as pages shape it (redaction, cutting, no internal fields). */
export function shapePolicyFor(ctx: Pick<QueryContext, "principal" | "policy">): ShapePolicy {
  return {
    redactor: redactorFor(ctx),
    stripInternal: ctx.principal.clearance === "public",
    maxFieldChars: ctx.policy.maxFieldChars,
  };
}

export type SummaryShaper = (text: string) => NonNullable<StateEvent["summary"]>;

/** A compaction summary shaped like any text field of a page (redacted below confidential, cut with a marker). */
export function summaryShaper(policy: ShapePolicy): SummaryShaper {
  return (text) => {
    const shaped = shapeValue(text, { redactor: policy.redactor, maxFieldChars: policy.maxFieldChars, maxDepth: 1, maxItems: 1 });
    return { text: shaped.value as string, truncated: shaped.truncated, redacted: shaped.redacted };
  };
}

/** The projection's input from a page-shaped event and its source's extras (entry links, summary, model). */
export function stateEventFrom(
  event: SessionEvent,
  source: Pick<SourceEvent, "type" | "payload" | "detail" | "model">,
  position: number,
  shapeSummary: SummaryShaper,
): StateEvent {
  const out: StateEvent = { position, event, ...entryLinks(source) };
  if (event.type === "compaction" && source.detail?.summary !== undefined) out.summary = shapeSummary(source.detail.summary);
  if (source.model !== undefined) out.modelInEffect = source.model;
  return out;
}

/**
 * Where the event's line sits in the transcript's entry tree, from the unshaped event: its entry id,
 * its parent (read defensively: sources that know none give none), a `leaf` line's target, and
 * whether it is `metadata` bookkeeping.
 */
export function entryLinks(source: Pick<SourceEvent, "type" | "payload" | "detail">): EntryLinks {
  const links: EntryLinks = {};
  const detail = source.detail as { entryId?: unknown; parentId?: unknown } | undefined;
  if (typeof detail?.entryId === "string") links.entryId = detail.entryId;
  if (typeof detail?.parentId === "string" || detail?.parentId === null) links.parentId = detail.parentId;
  const { key, value, kind } = source.payload;
  if (source.type === "state_change" && key === "leaf" && (typeof value === "string" || value === null)) links.leafTarget = value;
  if (source.type === "custom" && kind === "metadata") links.bookkeeping = true;
  return links;
}

/** Payload fields the projection reads of events whose payloads can be large; the rest is never shaped. */
const READ_ONLY: Partial<Record<SourceEvent["type"], readonly string[]>> = {
  tool_call: ["toolName"],
  tool_result: ["toolName"],
  tool_error: ["toolName"],
  custom: ["kind"],
};

export async function querySessionState(ctx: QueryContext, input: SessionStateInput): Promise<SessionState> {
  if (input.atSeq !== undefined && input.at !== undefined) {
    throw new QueryError("Give atSeq or at, not both: atSeq picks the point by event seq (e.g. 12), at by time (e.g. \"2026-11-18T09:05:00Z\").");
  }
  if (input.sessionKey !== undefined && hasWildcard(input.sessionKey)) {
    throw new QueryError(`session_state reads one session, but sessionKey ${JSON.stringify(input.sessionKey)} is a pattern. Name one key or session id.`);
  }
  const now = ctx.now();
  const atMs = input.at === undefined ? undefined : parseTimeBound("at", input.at, now);
  const selected = await sessionsOfOne(ctx, input.sessionKey, input.generations);

  const stats = newReadStats();
  const policy = shapePolicyFor(ctx);
  const shaper = new PageEventShaper(policy);
  const shapeSummary = summaryShaper(policy);
  const projection = new SessionProjection();
  const single = selected.length === 1;
  let position = 0;
  let hidden = 0;
  let atEnd = true;
  let pendingLine = false;
  const events = mergedEvents(selected, { stats, pending: () => (pendingLine = true) });
  for await (const event of events) {
    const at = single ? event.seq : position + 1;
    if ((input.atSeq !== undefined && at > input.atSeq) || (atMs !== undefined && (event.orderTs ?? event.timestamp) > atMs)) {
      atEnd = false;
      break;
    }
    position = at;
    const visibility = classify(event, ctx.policy.rules);
    if (!clearanceAllows(ctx.principal.clearance, visibility)) {
      hidden++;
      projection.applyHidden(entryLinks(event), event.sessionId);
      continue;
    }
    projection.apply(stateEventFrom(shapeForState(shaper, event, visibility), event, at, shapeSummary));
  }
  const lastMessages = input.lastMessages ?? LAST_MESSAGES.default;
  const needed = projection.recallNeeded(lastMessages);
  if (needed.size > 0) {
    // the active branch was rewound to messages older than those kept: read up to the last of them again
    const last = Math.max(...needed);
    let again = 0;
    for await (const event of mergedEvents(selected, { stats: newReadStats() })) {
      again = single ? event.seq : again + 1;
      if (again > last) break;
      if (needed.has(again)) projection.recall(stateEventFrom(shapeForState(shaper, event, classify(event, ctx.policy.rules)), event, again, shapeSummary));
    }
  }
  addWork(ctx, stats);

  const view = projection.view(lastMessages);
  const notes = [...missingTranscriptNotes(selected), ...view.notes];
  if (input.atSeq !== undefined && input.atSeq > position) {
    notes.push(`atSeq ${input.atSeq} is past the last event there is now (seq ${position}): this is the latest state.`);
  }
  if (atMs !== undefined) notes.push(`at: the state after every event stamped at or before ${new Date(atMs).toISOString()}.`);
  if (hidden > 0) {
    notes.push(`${hidden} event(s) up to the point are above your clearance and were left out: nothing in this state comes from them.`);
  }
  if (pendingLine && atEnd) notes.push("A line still being written was not projected; ask again shortly for it.");

  // the instant the registry's child statuses are judged at: the time asked for, or the last event's when a seq was
  const instant = atMs ?? (input.atSeq !== undefined && !atEnd ? (view.timestamp ?? undefined) : undefined);
  const children = await childSessions(ctx, view.spawned.children.map((child) => child.childSessionKey));
  const inTranscript = selected.find((s) => s.sessionId === view.sessionId) ?? selected.find((s) => s.generation === "current") ?? selected[0]!;
  const state: SessionState = {
    session: inTranscript.key,
    sessionId: inTranscript.sessionId,
    agent: inTranscript.agent,
    point: { atSeq: input.atSeq ?? null, at: atMs === undefined ? null : new Date(atMs).toISOString() },
    seq: view.seq,
    timestamp: view.timestamp,
    time: view.time,
    atEnd,
    eventsProjected: view.eventsProjected,
    hiddenByVisibility: hidden,
    model: view.model,
    thinkingLevel: view.thinkingLevel,
    name: view.name,
    label: view.label,
    labels: view.labels,
    ended: view.ended,
    totals: view.totals,
    compactions: view.compactions,
    lastError: view.lastError,
    spawned: { count: view.spawned.count, children: view.spawned.children.map((child) => withStatus(child, children, instant)) },
    messagesInContext: view.messagesInContext,
    lastMessages: view.lastMessages,
    skippedLines: stats.skippedLines,
    notes,
  };
  return fitToBudget(redactAnswer(state, policy.redactor), ctx.policy.pageBytes);
}

/** An event shaped as a page would show it; of large tool payloads only the fields the projection reads. */
function shapeForState(shaper: PageEventShaper, event: SourceEvent, visibility: Visibility): SessionEvent {
  const keep = READ_ONLY[event.type];
  const slim = keep ? { ...event, payload: Object.fromEntries(keep.filter((k) => k in event.payload).map((k) => [k, event.payload[k]])) } : event;
  return shaper.shapedOnce({ position: positionOf(event), event: slim, visibility });
}

/** How many children's keys are looked up one by one before the store is listed instead. */
const MAX_CHILD_LOOKUPS = 16;

/** The sessions the caller may read that the children's keys may name (for their status). */
async function childSessions(ctx: QueryContext, keys: readonly string[]): Promise<readonly SessionInfo[]> {
  if (keys.length === 0) return [];
  const named = keys.length <= MAX_CHILD_LOOKUPS ? await visibleNamed(ctx, keys) : undefined;
  return named ?? sessionsInScope(await ctx.listSessions(), ctx.principal);
}

/**
 * A spawned child's status as the registry tells it, only for a child the caller may see (any other
 * answers "unknown", exactly like a child the registry does not know). Judged at `instant` when the
 * point is in the past: a child that ended after it was still running then.
 */
function withStatus(child: Omit<SpawnedChild, "status" | "endedAt">, visible: readonly SessionInfo[], instant: number | undefined): SpawnedChild {
  const key = child.childSessionKey;
  const named = namedBy(key);
  const session = visible.find((s) => s.generation === "current" && named(s));
  if (!session) return { ...child, status: "unknown" };
  if (session.endedAt !== undefined && instant !== undefined && session.endedAt > instant) return { ...child, status: "running" };
  return {
    ...child,
    status: session.status ?? "unknown",
    ...(session.endedAt !== undefined ? { endedAt: new Date(session.endedAt).toISOString() } : {}),
  };
}

/**
 * The events of the selected transcripts in the order session_events returns them (time, then
 * session id, then seq): one transcript as it is read, several merged as they are read.
 */
async function* mergedEvents(sessions: readonly SessionInfo[], options: ReadOptions): AsyncGenerator<SourceEvent> {
  options.stats.sessionsRead += sessions.length;
  if (sessions.length === 1) {
    yield* sessions[0]!.events(options);
    return;
  }
  const iterators = sessions.map((s) => s.events(options)[Symbol.asyncIterator]());
  try {
    const heads = await Promise.all(iterators.map((it) => it.next()));
    for (;;) {
      let best = -1;
      heads.forEach((head, i) => {
        if (head.done) return;
        const current = heads[best];
        if (best < 0 || comparePositions(positionOf(head.value), positionOf(current!.value as SourceEvent)) < 0) best = i;
      });
      if (best < 0) return;
      const value = heads[best]!.value as SourceEvent;
      heads[best] = await iterators[best]!.next();
      yield value;
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

/**
 * Keeps the answer within the page byte budget: thinking text goes first, then the oldest context
 * messages, then the oldest children; notes say what was left out.
 */
function fitToBudget(state: SessionState, pageBytes: number): SessionState {
  if (pageBytes <= 0 || jsonBytes(state) <= pageBytes) return state;
  if (state.lastMessages.some((m) => m.thinking !== undefined)) {
    state.lastMessages = state.lastMessages.map(({ thinking: _, ...m }) => m);
    state.notes.push("Thinking text was left out of lastMessages to keep the answer within its size cap.");
  }
  let dropped = 0;
  while (state.lastMessages.length > 0 && jsonBytes(state) > pageBytes) {
    state.lastMessages.shift();
    dropped++;
  }
  if (dropped > 0) state.notes.push(`${dropped} older message(s) were left out of lastMessages to keep the answer within its size cap; ask for fewer.`);
  let children = 0;
  while (state.spawned.children.length > 0 && jsonBytes(state) > pageBytes) {
    state.spawned.children.shift();
    children++;
  }
  if (children > 0) state.notes.push(`${children} older spawned child(ren) were left out to keep the answer within its size cap.`);
  return state;
}


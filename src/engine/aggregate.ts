import type { EventType, Visibility } from "../contract/event.js";
import type { Group, GroupKey } from "../contract/groups.js";
import type { TypePredicate } from "../contract/type-filter.js";
import { addEvent, durationQuantiles, eventTool, mergeStats, newStats, parseStatsKey, viewStats, type EventStats } from "../sources/index/event-stats.js";
import type { ReadStats, SessionInfo, SourceEvent } from "../sources/session.js";
import { clearanceAllows } from "./principal.js";
import { inWindow, type TimeWindow } from "./time.js";
import { classify, type ConfidentialRule } from "./visibility.js";
import type { TextPredicate } from "./search/matcher.js";

export type AggregateSpec = {
  sessions: readonly SessionInfo[];
  window: TimeWindow;
  types?: TypePredicate;
  /** Only events whose searchable text matches (read event by event: summaries know no text). */
  text?: TextPredicate;
  groupBy: readonly GroupKey[];
  clearance: Visibility;
  rules: readonly ConfidentialRule[];
  stats: ReadStats;
  now: number;
  maxGroups: number;
};

export type Aggregated = {
  groups: Group[];
  totalGroups: number;
  hidden: number;
  /** Lines in the window that yielded nothing: as many however much of it was read or summarized. */
  skippedLines: number;
};

type Parts = { type: EventType; tool: string | null; model: string | null; timestamp: number };

/**
 * Counts the matching events of the selected sessions by the requested keys, with the same filters,
 * scope and visibility as a page of events (a hidden event is not counted). Stretches of a transcript
 * that lie wholly inside the window are taken from the index's summaries instead of being read.
 */
export async function aggregateEvents(spec: AggregateSpec): Promise<Aggregated> {
  const groups = new Map<string, { key: Record<string, string | null>; stats: EventStats }>();
  let hidden = 0;
  let skippedLines = 0;
  const { since, until } = spec.window;
  // (a skipped line is in the window where the event before it is, as on a page of events)
  const skippedLine = (ts: number) => {
    if (inWindow(spec.window, ts)) skippedLines++;
  };
  // summaries know types, not roles: a filter on message roles has to look at the events
  const summariesUsable = !spec.types?.byRole && !spec.text;
  // whole-transcript totals carry no hours
  const rollupUsable = !spec.groupBy.includes("hour") && !spec.groupBy.includes("day");

  const visible = (session: SessionInfo, type: EventType, tool: string | null) =>
    clearanceAllows(spec.clearance, classify({ type, session: session.key, payload: tool ? { toolName: tool } : {} } as SourceEvent, spec.rules));
  const add = (session: SessionInfo, parts: Parts, stats: EventStats) => {
    const key = groupKey(spec.groupBy, session, parts);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, stats: newStats() };
    mergeStats(group.stats, stats);
    groups.set(id, group);
  };

  const wholeHistory = since === undefined && until === undefined;
  for (const session of spec.sessions) {
    if (session.missingTranscript?.() !== undefined) continue; // no events (the page's notes say so)
    if (since !== undefined && since <= spec.now) {
      const lastActivity = session.activity();
      if (lastActivity !== undefined && lastActivity < since) continue;
    }
    const options = { stats: spec.stats, types: spec.types?.types, skippedLine };
    // an unchanged transcript's totals are ready: no reading, not even an await
    const ready = summariesUsable && rollupUsable && wholeHistory ? session.countedWhole(options) : undefined;
    if (!ready) spec.stats.sessionsRead++;
    const items = ready ?? (summariesUsable ? session.eventsForCounting(options, spec.window, rollupUsable) : session.events(options));
    for await (const item of items) {
      if ("summary" in item) {
        skippedLines += item.skipped;
        for (const [key, stats] of Object.entries(item.summary)) {
          const parts = parseStatsKey(key);
          if (spec.types && !spec.types.types.has(parts.type)) continue;
          if (visible(session, parts.type, parts.tool)) add(session, { ...parts, timestamp: parts.hour }, stats);
          else hidden += viewStats(stats).n;
        }
        continue;
      }
      const event = item;
      if (!inWindow(spec.window, event.timestamp)) continue;
      if (spec.types && !spec.types.matches(event)) continue;
      const visibility = classify(event, spec.rules);
      if (!clearanceAllows(spec.clearance, visibility)) {
        // a search neither searches nor counts what the caller may not see
        if (!spec.text) hidden++;
        continue;
      }
      if (spec.text && !spec.text.matches(event, visibility)) continue;
      const one = newStats();
      addEvent(one, event);
      add(session, { type: event.type, tool: eventTool(event) ?? null, model: event.model ?? null, timestamp: event.timestamp }, one);
    }
  }

  const all = [...groups.values()].sort((a, b) => b.stats[0]! - a.stats[0]! || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
  return { groups: all.slice(0, spec.maxGroups).map(toGroup), totalGroups: all.length, hidden, skippedLines };
}

function groupKey(dims: readonly GroupKey[], session: SessionInfo, parts: Parts): Record<string, string | null> {
  const key: Record<string, string | null> = {};
  for (const dim of dims) {
    switch (dim) {
      case "type":
        key.type = parts.type;
        break;
      case "tool":
        key.tool = parts.tool;
        break;
      case "model":
        key.model = parts.model;
        break;
      case "session":
        key.session = session.key;
        break;
      case "agent":
        key.agent = session.agent;
        break;
      case "hour":
        key.hour = new Date(Math.floor(parts.timestamp / 3_600_000) * 3_600_000).toISOString();
        break;
      case "day":
        key.day = new Date(parts.timestamp).toISOString().slice(0, 10);
        break;
    }
  }
  return key;
}

function toGroup({ key, stats: packed }: { key: Record<string, string | null>; stats: EventStats }): Group {
  const stats = viewStats(packed);
  const group: Group = {
    key,
    count: stats.n,
    firstTimestamp: stats.first,
    lastTimestamp: stats.last,
    first: new Date(stats.first).toISOString(),
    last: new Date(stats.last).toISOString(),
    errors: stats.err,
  };
  if (stats.msgs > 0) {
    group.tokens = { input: stats.ti, output: stats.to, total: stats.tt };
    group.costUsd = Math.round(stats.cost * 1e6) / 1e6;
  }
  const durations = durationQuantiles(packed);
  if (durations) group.durationMs = durations;
  return group;
}

import type { SessionEvent } from "../../contract/event.js";
import type { Page } from "../../contract/page.js";
import { eventSummaries, oneLine, shortTime } from "../format.js";
import { fitWidths, renderRows, renderTable, type TableLayout } from "../table.js";
import type { Colors } from "../terminal.js";

/** Which columns an event table has: a session column when a query spans sessions, a generation column with --generations all. */
export type EventColumns = { session: boolean; generation: boolean };

const TYPE_COLOURS: Record<string, keyof Colors> = {
  tool_error: "red",
  error: "red",
  tool_call: "cyan",
  tool_result: "green",
  spawn: "magenta",
  session_start: "yellow",
  session_end: "yellow",
  model_switch: "blue",
};

export const EVENT_LAYOUT: TableLayout = {
  // the summary gives way first, then the generation (its session id) and the session key, then the summary again
  shrink: [
    { column: "summary", min: 40 },
    { column: "generation", min: 10 },
    { column: "session", min: 20 },
    { column: "summary", min: 12 },
  ],
  middle: ["session", "generation"],
  paint: (column, text, colors) => {
    if (column === "time" || column === "generation") return colors.dim(text);
    const colour = column === "type" ? TYPE_COLOURS[text] : undefined;
    return colour ? (colors[colour] as (s: string) => string)(text) : text;
  },
};

export function eventHeaders(columns: EventColumns): string[] {
  return ["time", ...(columns.session ? ["session"] : []), ...(columns.generation ? ["generation"] : []), "seq", "type", "summary"];
}

export function eventRows(events: readonly SessionEvent[], columns: EventColumns): string[][] {
  const summaries = eventSummaries(events);
  return events.map((e, at) => [
    shortTime(e.timestamp),
    ...(columns.session ? [e.session] : []),
    // which transcript of the key (seqs restart in each): its session id, cut in the middle when narrow
    ...(columns.generation ? [e.sessionId] : []),
    String(e.seq),
    e.type,
    oneLine(summaries[at]!, 2000),
  ]);
}

/** Widths for rows not yet seen (a follow): wide enough for usual keys and summaries, fitted to the terminal. */
export function followWidths(columns: EventColumns): number[] {
  const usual = ["2026-01-01 00:00:00Z", ...(columns.session ? ["x".repeat(36)] : []), ...(columns.generation ? ["x".repeat(36)] : []), "9999", "session_start", "x".repeat(400)];
  return fitWidths(eventHeaders(columns), [usual], EVENT_LAYOUT);
}

/** Widths fitted to these events (the later pages of --all keep the first page's). */
export function widthsFor(events: readonly SessionEvent[], columns: EventColumns): number[] {
  return fitWidths(eventHeaders(columns), eventRows(events, columns), EVENT_LAYOUT);
}

export function eventTable(events: readonly SessionEvent[], columns: EventColumns, widths?: number[]): string {
  const headers = eventHeaders(columns);
  return renderTable(headers, eventRows(events, columns), EVENT_LAYOUT, widths);
}

export function eventLines(events: readonly SessionEvent[], columns: EventColumns, widths: number[]): string {
  return renderRows(eventHeaders(columns), eventRows(events, columns), widths, EVENT_LAYOUT);
}

/** The page's counts and notes, one line of facts then a line per note. */
export function pageFacts(page: Page): string[] {
  const facts = [
    `${page.events.length} event(s) from ${page.sessionsMatched} session(s)`,
    page.hasMore ? `more available (stopped by ${page.stoppedBy})` : "no more now",
    page.hiddenByVisibility ? `${page.hiddenByVisibility} hidden by visibility` : "",
    page.truncatedEvents ? `${page.truncatedEvents} truncated` : "",
    page.redactedEvents ? `${page.redactedEvents} redacted` : "",
    page.skippedLines ? `${page.skippedLines} unreadable line(s) skipped` : "",
  ].filter(Boolean);
  return [facts.join("; "), ...page.notes];
}

export function formatGroups(page: Page): string {
  const groups = page.groups ?? [];
  const dims = Object.keys(groups[0]?.key ?? {});
  const rows = groups.map((g) => [
    ...dims.map((d) => g.key[d] ?? "-"),
    String(g.count),
    String(g.errors),
    g.durationMs ? `${g.durationMs.p50}/${g.durationMs.p95}` : "-",
    g.tokens ? String(g.tokens.total) : "-",
    g.costUsd !== undefined ? g.costUsd.toFixed(4) : "-",
    `${shortTime(g.firstTimestamp)} .. ${shortTime(g.lastTimestamp)}`,
  ]);
  const layout = { shrink: dims.map((column) => ({ column, min: 16 })), middle: dims };
  const facts = [`${groups.length} group(s) from ${page.sessionsMatched} session(s)`, page.hiddenByVisibility ? `${page.hiddenByVisibility} hidden by visibility` : ""];
  return [
    groups.length > 0 ? renderTable([...dims, "count", "errors", "ms p50/p95", "tokens", "cost $", "first .. last"], rows, layout) : "(no events)",
    "",
    facts.filter(Boolean).join("; "),
    ...page.notes,
  ].join("\n");
}

/** One fetched event (--event): its fields, then its whole payload as indented JSON. */
export function formatFetchedEvent(page: Page): string {
  const event = page.events[0];
  if (!event) return ["(no event)", ...page.notes].join("\n");
  const head = `${event.id}  ${shortTime(event.timestamp)}  ${event.session}  ${event.type}  (${event.visibility})${event.redacted ? "  redacted" : ""}${event.truncated ? "  truncated" : ""}`;
  return [head, JSON.stringify(event.payload, null, 2), ...page.notes].join("\n");
}

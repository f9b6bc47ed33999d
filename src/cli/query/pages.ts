import type { AppContext } from "../../app/context.js";
import type { Page } from "../../contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../../engine/run-query.js";
import { inCliTerms } from "../cli-errors.js";
import { toolCall, type QueryFlags } from "./flags.js";
import { eventLines, eventTable, followWidths, pageFacts, widthsFor, type EventColumns } from "./page-format.js";

export function runPage(ctx: AppContext, patterns: string[], flags: QueryFlags, live: { waitMs?: number; cursor?: string; signal?: AbortSignal } = {}): Promise<Page> {
  const call = toolCall(ctx, patterns, flags, live);
  return call.tool === "session_events"
    ? inCliTerms(() => querySessionEvents(ctx, call.input, { signal: live.signal }), false)
    : inCliTerms(() => querySessionsEvents(ctx, call.input, { signal: live.signal }), true);
}

export function columnsFor(flags: QueryFlags, sessionsMatched: number): EventColumns {
  return { session: flags.session === undefined && sessionsMatched !== 1, generation: flags.generations === "all" };
}

/**
 * --all: every page of the walk, printed as it comes (one table, its widths set by the first page;
 * JSON lines with --json), then the totals; a progress line on stderr when it is a terminal.
 */
export async function printAllPages(ctx: AppContext, patterns: string[], flags: QueryFlags): Promise<Page> {
  const bar = process.stderr.isTTY
    ? new (await import("cli-progress")).SingleBar({ format: "query --all: {events} events, {pages} page(s)", stream: process.stderr, hideCursor: true, clearOnComplete: true })
    : undefined;
  // (rows written to the same terminal go above the bar: its line is cleared first, and redrawn on the next update)
  const write = (text: string) => {
    if (bar && process.stdout.isTTY) process.stderr.write("\r\u001b[2K");
    process.stdout.write(text);
  };
  bar?.start(0, 0, { events: 0, pages: 0 });
  let widths: number[] | undefined;
  let columns: EventColumns | undefined;
  let pages = 0;
  let page: Page;
  let cursor = flags.cursor;
  const totals = { events: 0, hiddenByVisibility: 0, truncatedEvents: 0, redactedEvents: 0, skippedLines: 0 };
  try {
    do {
      page = await runPage(ctx, patterns, flags, { cursor });
      pages += 1;
      totals.events += page.events.length;
      for (const count of ["hiddenByVisibility", "truncatedEvents", "redactedEvents", "skippedLines"] as const) totals[count] += page[count] ?? 0;
      bar?.update(0, { events: totals.events, pages });
      if (flags.json) {
        if (page.events.length > 0) write(page.events.map((e) => `${JSON.stringify(e)}\n`).join(""));
      } else if (page.events.length > 0) {
        columns ??= columnsFor(flags, page.sessionsMatched);
        if (widths === undefined) {
          widths = widthsFor(page.events, columns);
          write(`${eventTable(page.events, columns, widths)}\n`);
        } else {
          write(`${eventLines(page.events, columns, widths)}\n`);
        }
      }
      cursor = page.nextCursor;
    } while (page.hasMore);
  } finally {
    bar?.stop();
  }
  if (!flags.json) {
    const [facts, ...notes] = pageFacts({ ...page, ...totals, events: [] });
    const totalsLine = `${totals.events} event(s) in ${pages} page(s) ${facts!.replace(/^\d+ event\(s\) /, "")}`;
    process.stdout.write(`${totals.events === 0 ? "(no events)\n" : ""}\n${[totalsLine, ...notes].join("\n")}\n`);
  }
  return page;
}

/** --follow: one long-poll after another from the last cursor, until Ctrl-C; aligned rows under one header. */
export async function follow(ctx: AppContext, patterns: string[], flags: QueryFlags): Promise<void> {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const columns = columnsFor(flags, 0);
  const widths = followWidths(columns);
  let cursor = flags.cursor;
  for (let first = true; !controller.signal.aborted; first = false) {
    // (the first call waits 1 ms only: a query the engine refuses is refused before the header is printed)
    const page = await runPage(ctx, patterns, flags, { cursor, waitMs: first ? 1 : 25_000, signal: controller.signal });
    if (first && !flags.json) process.stdout.write(`${eventTable([], columns, widths)}\n`);
    if (page.events.length > 0) {
      process.stdout.write(flags.json ? page.events.map((e) => `${JSON.stringify(e)}\n`).join("") : `${eventLines(page.events, columns, widths)}\n`);
    }
    cursor = page.nextCursor;
  }
}

import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import type { Page } from "../../contract/page.js";
import { StreamInputSchema } from "../../contract/http.js";
import type { SessionsEventsInput } from "../../contract/query-input.js";
import { watchDirsFor } from "../../engine/list-sessions.js";
import { followWaiters } from "../../engine/query/follow.js";
import { querySessionsEvents } from "../../engine/run-query.js";
import { HttpError } from "../errors.js";
import type { ServerMetrics } from "../metrics.js";
import { parseQuery } from "../query-params.js";
import { SharedReads } from "../shared-reads.js";
import { AGENT_ALIAS, contextFor, searchOf } from "./events.js";

const NOT_FOR_STREAMS = ["limit", "order", "groupBy", "waitMs"] as const;

/** Events read per engine call while catching up. */
const BATCH = 200;
/** After a change, streams read at the next multiple of this (so those woken together read together, once). */
const TICK_MS = 100;
const HEARTBEAT_MS = 10_000;
/** Quiet stores are still looked at this often (a session may appear where nothing is watched yet). */
const RECHECK_MS = 5_000;
/** A reader with this much unsent is slow; one that does not take it within DRAIN_MS is dropped. */
const SLOW_BYTES = 1024 * 1024;
const DRAIN_MS = 10_000;

/** The streams open now, so that a stopping server can end each with a last word. */
export class OpenStreams {
  private readonly open = new Set<(why: string) => void>();
  add(end: (why: string) => void): () => void {
    this.open.add(end);
    return () => this.open.delete(end);
  }
  endAll(why: string): void {
    for (const end of [...this.open]) end(why);
  }
}

function message(event: string, data: string, id?: string): string {
  return `event: ${event}\n${id !== undefined ? `id: ${id}\n` : ""}data: ${data}\n\n`;
}

const notice = (text: string) => message("notice", JSON.stringify({ message: text }));

/** Resolves true once the response's buffer drains, false when `ms` passes first or it closes. */
function drained(res: ServerResponse, ms: number): Promise<boolean> {
  if (res.writableLength < SLOW_BYTES) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), ms);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/**
 * GET /api/events/stream: sessions_events as Server-Sent Events. It pages through the engine with a
 * cursor (each event's id resumes right after it), then waits on the shared watch of the sessions'
 * directories (one per directory, whatever the number of streams) and pages on from there.
 */
export function registerStreamRoute(app: FastifyInstance, ctx: AppContext, metrics: ServerMetrics, streams: OpenStreams): void {
  const shared = new SharedReads<{ page: Page; ids: string[] }>();
  app.get("/api/events/stream", async (request, reply) => {
    const search = searchOf(request);
    for (const name of NOT_FOR_STREAMS) {
      if (search.has(name)) throw new HttpError(400, "bad_request", `${name} does not apply to a stream (it sends every matching event as it comes); leave it out.`);
    }
    const parsed = parseQuery(StreamInputSchema, search, {}, AGENT_ALIAS);
    const lastId = request.headers["last-event-id"];
    const resumeFrom = typeof lastId === "string" && lastId.trim() !== "" ? lastId.trim() : parsed.cursor;
    const input: SessionsEventsInput = { ...parsed, cursor: resumeFrom, limit: BATCH };
    const local = contextFor(ctx, request);
    const controller = new AbortController();
    // "now", to the second: the window is in every cursor, so streams of one query opened in one second
    // come to hold the same cursors and share their reads
    const startAt = input.since === undefined && input.cursor === undefined ? Date.now() - (Date.now() % 1000) : undefined;

    const read = (notBefore: number): Promise<{ page: Page; ids: string[] }> => {
      const asked = { ...input };
      const key = JSON.stringify([local.principal, asked, asked.cursor === undefined ? startAt : null]);
      return shared.read(key, notBefore, async () => {
        let ids: string[] = [];
        // (no signal: the read may serve other streams; it does not wait, so it ends soon anyway)
        const page = await querySessionsEvents(local, asked, { startAt, onEventCursors: (c) => (ids = c) });
        return { page, ids };
      });
    };
    // the first page before any header: a bad cursor or an unknown parent is still a JSON error
    let first: { page: Page; ids: string[] } | undefined = await read(SharedReads.now());

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(": stream open\n\n");
    metrics.openStreams.inc();
    let ending = false;
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    const end = (why?: string) => {
      if (ending) return;
      ending = true;
      clearInterval(heartbeat);
      controller.abort();
      if (why && !res.destroyed) res.write(notice(why));
      res.end();
      // a reader that takes nothing more is cut off rather than kept
      setTimeout(() => res.destroy(), DRAIN_MS).unref();
    };
    const forget = streams.add(end);
    res.on("close", () => {
      ending = true;
      clearInterval(heartbeat);
      controller.abort();
    });

    try {
      let wokeAt = SharedReads.now();
      let dirs: string[] | undefined;
      while (!ending) {
        const { page, ids } = first ?? (await read(wokeAt));
        first = undefined;
        for (const [at, event] of page.events.entries()) res.write(message(event.type, JSON.stringify(event), ids[at]));
        metrics.eventsServed.inc({ via: "stream" }, page.events.length);
        input.cursor = page.nextCursor;
        if (!(await drained(res, DRAIN_MS))) {
          end("dropped: too slow; resume with Last-Event-ID");
          break;
        }
        if (page.hasMore) continue;
        dirs ??= await watchDirsFor(local, input);
        const changed = await followWaiters.waitForChange(dirs, RECHECK_MS, controller.signal);
        wokeAt = SharedReads.now();
        if (!changed) dirs = undefined; // quiet: look for new sessions' directories too
        if (!ending) await sleep(TICK_MS - (Date.now() % TICK_MS), undefined, { signal: controller.signal }).catch(() => undefined);
      }
    } catch (error) {
      if (!ending) {
        request.log.error({ err: error }, "stream failed");
        end("the stream failed on the server side; resume with Last-Event-ID");
      }
    } finally {
      clearInterval(heartbeat);
      forget();
      metrics.openStreams.dec();
      if (!ending) end();
    }
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../app/context.js";
import { SessionsListInputSchema } from "../../contract/http.js";
import type { Page } from "../../contract/page.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../../contract/query-input.js";
import { SessionStateInputSchema } from "../../contract/session-state.js";
import { redactAnswer, redactorFor } from "../../engine/answer-redaction.js";
import { sessionRow, visibleSessions } from "../../engine/list-sessions.js";
import { querySessionEvents, querySessionsEvents } from "../../engine/run-query.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { querySessionState } from "../../engine/session-state/run-state.js";
import { SessionsSearchInputSchema } from "../../contract/search.js";
import { newReadStats, type ReadStats } from "../../sources/session.js";
import { callerOf } from "../guard.js";
import { InFlight } from "../in-flight.js";
import type { ServerMetrics } from "../metrics.js";
import { parseQuery } from "../query-params.js";

export const AGENT_ALIAS = { agent: "agentId" };

export function searchOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? "";
  const at = url.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : url.slice(at + 1));
}

declare module "fastify" {
  interface FastifyRequest {
    /** What this request read from the stores (for /metrics). */
    workDone?: ReadStats;
  }
}

/** The context of one request: the server's, with the principal the request was let in as. */
export function contextFor(ctx: AppContext, request: FastifyRequest): AppContext {
  return { ...ctx, principal: callerOf(request).principal, workDone: (request.workDone ??= newReadStats()) };
}

/** Cancelled when the client goes away (a follow with waitMs stops waiting then). */
function signalOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // (the response closes when it is sent, or when the client goes away before that)
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The REST face of the tools: each route is one tool call, its answer the tool's structuredContent. */
export function registerEventRoutes(app: FastifyInstance, ctx: AppContext, metrics: ServerMetrics): void {
  const reads = new InFlight<{ value: unknown; json: Buffer }>();
  /**
   * Answers this request from a read of its own or from the same principal's identical one under way
   * (and its JSON, made and encoded once for all of them: sent as bytes, a page is not measured and
   * encoded again per response); `count` sees the answer first.
   */
  const answer = async <T>(request: FastifyRequest, reply: FastifyReply, input: unknown, read: (local: AppContext, signal: AbortSignal) => Promise<T>, count?: (value: T) => void) => {
    const local = contextFor(ctx, request);
    const key = JSON.stringify([request.routeOptions.url, local.principal, input]);
    const shared = await reads.run(key, signalOf(reply), async (signal) => {
      const value = await read(local, signal);
      return { value, json: Buffer.from(JSON.stringify(value)) };
    });
    count?.(shared.value as T);
    return reply.type("application/json; charset=utf-8").send(shared.json);
  };
  const countPage = (page: Page) => metrics.eventsServed.inc({ via: "page" }, page.events.length);

  app.get<{ Params: { key: string } }>("/api/sessions/:key/events", async (request, reply) => {
    const input = parseQuery(SessionEventsInputSchema, searchOf(request), { sessionKey: request.params.key });
    return answer(request, reply, input, (local, signal) => querySessionEvents(local, input, { signal }), countPage);
  });

  app.get("/api/events", async (request, reply) => {
    const input = parseQuery(SessionsEventsInputSchema, searchOf(request), {}, AGENT_ALIAS);
    return answer(request, reply, input, (local, signal) => querySessionsEvents(local, input, { signal }), countPage);
  });

  app.get("/api/search", async (request, reply) => {
    const input = parseQuery(SessionsSearchInputSchema, searchOf(request), {}, AGENT_ALIAS);
    return answer(request, reply, input, (local, signal) => searchSessions(local, input, { signal }));
  });

  app.get<{ Params: { key: string } }>("/api/sessions/:key/state", async (request, reply) => {
    const input = parseQuery(SessionStateInputSchema, searchOf(request), { sessionKey: request.params.key });
    return answer(request, reply, input, (local) => querySessionState(local, input));
  });

  app.get("/api/sessions", async (request) => {
    const input = parseQuery(SessionsListInputSchema, searchOf(request), {}, AGENT_ALIAS);
    const local = contextFor(ctx, request);
    return redactAnswer((await visibleSessions(local, input)).map((s) => sessionRow(local, s)), redactorFor(local));
  });
}

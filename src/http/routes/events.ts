import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../app/context.js";
import { SessionsListInputSchema } from "../../contract/http.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../../contract/query-input.js";
import { SessionStateInputSchema } from "../../contract/session-state.js";
import { redactAnswer, redactorFor } from "../../engine/answer-redaction.js";
import { sessionRow, visibleSessions } from "../../engine/list-sessions.js";
import { querySessionEvents, querySessionsEvents } from "../../engine/run-query.js";
import { searchSessions } from "../../engine/search/search-sessions.js";
import { querySessionState } from "../../engine/session-state/run-state.js";
import { SessionsSearchInputSchema } from "../../contract/search.js";
import { callerOf } from "../guard.js";
import type { ServerMetrics } from "../metrics.js";
import { parseQuery } from "../query-params.js";

export const AGENT_ALIAS = { agent: "agentId" };

export function searchOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? "";
  const at = url.indexOf("?");
  return new URLSearchParams(at === -1 ? "" : url.slice(at + 1));
}

/** The context of one request: the server's, with the principal the request was let in as. */
export function contextFor(ctx: AppContext, request: FastifyRequest): AppContext {
  return { ...ctx, principal: callerOf(request).principal };
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
  app.get<{ Params: { key: string } }>("/api/sessions/:key/events", async (request, reply) => {
    const input = parseQuery(SessionEventsInputSchema, searchOf(request), { sessionKey: request.params.key });
    const page = await querySessionEvents(contextFor(ctx, request), input, { signal: signalOf(reply) });
    metrics.eventsServed.inc({ via: "page" }, page.events.length);
    return page;
  });

  app.get("/api/events", async (request, reply) => {
    const input = parseQuery(SessionsEventsInputSchema, searchOf(request), {}, AGENT_ALIAS);
    const page = await querySessionsEvents(contextFor(ctx, request), input, { signal: signalOf(reply) });
    metrics.eventsServed.inc({ via: "page" }, page.events.length);
    return page;
  });

  app.get("/api/search", async (request, reply) => {
    const input = parseQuery(SessionsSearchInputSchema, searchOf(request), {}, AGENT_ALIAS);
    return searchSessions(contextFor(ctx, request), input, { signal: signalOf(reply) });
  });

  app.get<{ Params: { key: string } }>("/api/sessions/:key/state", async (request) => {
    const input = parseQuery(SessionStateInputSchema, searchOf(request), { sessionKey: request.params.key });
    return querySessionState(contextFor(ctx, request), input);
  });

  app.get("/api/sessions", async (request) => {
    const input = parseQuery(SessionsListInputSchema, searchOf(request), {}, AGENT_ALIAS);
    const local = contextFor(ctx, request);
    return redactAnswer((await visibleSessions(local, input)).map((s) => sessionRow(local, s)), redactorFor(local));
  });
}

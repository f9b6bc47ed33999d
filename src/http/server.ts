import type { AddressInfo } from "node:net";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance } from "fastify";
import type { AppContext } from "../app/context.js";
import type { TokenRegistry } from "../app/tokens.js";
import { handleError, HttpError } from "./errors.js";
import { LIMITS, registerGuard } from "./guard.js";
import { ServerMetrics } from "./metrics.js";
import { registerEventRoutes } from "./routes/events.js";
import { registerMcpRoutes } from "./routes/mcp.js";
import { registerOpsRoutes, type IndexProgress } from "./routes/ops.js";
import { OpenStreams, registerStreamRoute } from "./routes/stream.js";

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

export type HttpServerOptions = {
  /** As given to --listen: an IPv4 address, a name, or an IPv6 address without brackets. */
  host: string;
  port: number;
  tokens?: TokenRegistry;
  allowOrigins: readonly string[];
  allowHosts: readonly string[];
  rateLimitPerMinute: number;
  indexing?: IndexProgress;
};

export type RunningServer = { url: string; app: FastifyInstance; metrics: ServerMetrics; stop(): Promise<void> };

/** The host as it appears in a URL and in a Host header: IPv6 in brackets, lower case. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host.toLowerCase()}]` : host.toLowerCase();
}

/** The names the server answers to: localhost, its listen address, loopback when listening on all, and --allow-host. */
export function hostNamesFor(host: string, allowHosts: readonly string[]): Set<string> {
  const names = new Set(["localhost", urlHost(host), ...allowHosts.map((h) => urlHost(h.replace(/^\[|\]$/g, "")))]);
  if (host === "0.0.0.0" || host === "::") for (const name of ["127.0.0.1", "[::1]"]) names.add(name);
  return names;
}

/** Builds and starts the HTTP face; resolves once it listens. */
export async function startHttpServer(ctx: AppContext, options: HttpServerOptions): Promise<RunningServer> {
  const metrics = new ServerMetrics();
  const streams = new OpenStreams();
  const app = Fastify({
    logger: {
      level: process.env.SESSION_EVENTS_LOG_LEVEL ?? "info",
      stream: process.stderr,
      // the path only: never a query (it may carry a cursor) nor a header (it may carry a token)
      serializers: { req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: req.url.split("?", 1)[0], remoteAddress: req.ip }) },
    },
    bodyLimit: LIMITS.bodyBytes,
    routerOptions: { maxParamLength: 1024 },
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
    // Node's own header cap is set above ours so that ours answers with 414/431 and a JSON body
    http: { maxHeaderSize: 64 * 1024, headersTimeout: 10_000, connectionsCheckingInterval: 1_000 } as never,
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(async (request) => {
    throw new HttpError(404, "not_found", `There is no ${request.method} ${request.url.split("?", 1)[0]} here; /openapi.json lists the API.`);
  });
  registerGuard(app, {
    hostNames: hostNamesFor(options.host, options.allowHosts),
    allowOrigins: new Set(options.allowOrigins.map((o) => new URL(o).origin)),
    tokens: options.tokens,
    principal: ctx.principal,
  });
  await app.register(rateLimit, {
    global: true,
    hook: "preHandler",
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.caller?.holder ? `token:${request.caller.holder.name}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, "rate_limited", `Too many requests: at most ${context.max} a minute for one token. Try again in ${context.after}.`),
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    if (route !== "/api/events/stream") metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  registerEventRoutes(app, ctx, metrics);
  registerStreamRoute(app, ctx, metrics, streams);
  registerMcpRoutes(app, ctx);
  registerOpsRoutes(app, metrics, options.indexing ?? (() => undefined));

  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    app,
    metrics,
    stop: async () => {
      streams.endAll("the server is stopping; resume with Last-Event-ID");
      options.tokens?.stop();
      await app.close();
    },
  };
}

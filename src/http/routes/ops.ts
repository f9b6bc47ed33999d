import type { FastifyInstance } from "fastify";
import { PACKAGE_VERSION } from "../../version.js";
import { HttpError } from "../errors.js";
import { callerOf } from "../guard.js";
import type { ServerMetrics } from "../metrics.js";
import { openApiDocument } from "../openapi.js";

/** How far the background indexer has got (absent when it does not run). */
export type IndexProgress = () => Record<string, unknown> | undefined;

/** The operator's routes: health (no token), the OpenAPI document (no token), metrics (operator token). */
export function registerOpsRoutes(app: FastifyInstance, metrics: ServerMetrics, indexing: IndexProgress): void {
  app.get("/healthz", async () => {
    const index = indexing();
    return { ok: true, version: PACKAGE_VERSION, ...(index ? { index } : {}) };
  });
  let document: unknown;
  app.get("/openapi.json", async () => (document ??= openApiDocument()));
  app.get("/metrics", async (request, reply) => {
    if (!callerOf(request).operator) throw new HttpError(403, "forbidden", "/metrics needs an operator token (one without caller).");
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

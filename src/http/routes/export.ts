import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { ExportInputSchema, type ExportInput } from "../../contract/export.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../../contract/query-input.js";
import { FORMATS } from "../../export/formats/index.js";
import { QualityRulesSchema } from "../../export/quality.js";
import { runExport, type ExportQuery, type ExportSummary } from "../../export/run-export.js";
import type { Sink } from "../../export/sink.js";
import { errorAnswer, errorBody, HttpError } from "../errors.js";
import { callerOf } from "../guard.js";
import { parseQuery } from "../query-params.js";
import { AGENT_ALIAS, contextFor, searchOf } from "./events.js";

const FILE_NAMES = { openai: "export-openai.jsonl", sharegpt: "export-sharegpt.json", alpaca: "export-alpaca.json" } as const;

function exportQuery(input: ExportInput): ExportQuery {
  const { format: _f, session, maxTurns: _m, minScore: _s, system: _p, ...filters } = input;
  if (session === undefined) return { many: SessionsEventsInputSchema.parse(filters) };
  const { sessionKey, agentId, spawnedBy, descendants, ...common } = filters;
  if (sessionKey !== undefined || agentId !== undefined || spawnedBy !== undefined || descendants !== undefined) {
    throw new HttpError(400, "bad_request", "session reads one session; leave out sessionKey, agentId, spawnedBy and descendants.");
  }
  return { one: SessionEventsInputSchema.parse({ ...common, sessionKey: session }) };
}

/**
 * The response as the export's sink: the status and headers go out with the first bytes (so that an
 * error before any is still a JSON error), and a write waits while the client is behind. A client that
 * goes away stops the export.
 */
class ResponseSink implements Sink {
  private started = false;
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}

  get hasStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, this.headers);
  }

  async write(text: string): Promise<void> {
    if (this.res.destroyed) throw new Error("the client went away");
    this.start();
    if (this.res.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.res.off("drain", onDrain);
        this.res.off("close", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error("the client went away"));
      this.res.on("drain", onDrain);
      this.res.on("close", onClose);
    });
  }

  async end(): Promise<void> {}
}

/**
 * GET /api/export: the export command over HTTP, for an operator token (export is an operator's
 * work, as for the CLI). The token's clearance and the redaction rules apply as on every route. The
 * body is streamed as it is made; the summary comes last, as the trailer X-Export-Summary.
 */
export function registerExportRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/export", async (request, reply) => {
    if (!callerOf(request).operator) throw new HttpError(403, "forbidden", "/api/export needs an operator token (one without caller): export is an operator's work.");
    const input = parseQuery(ExportInputSchema, searchOf(request), {}, AGENT_ALIAS);
    const query = exportQuery(input);
    const rules = QualityRulesSchema.parse(input.minScore === undefined ? {} : { minScore: input.minScore });
    reply.hijack();
    const res = reply.raw;
    const out = new ResponseSink(res, {
      "content-type": FORMATS[input.format].layout === "jsonl" ? "application/jsonl; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="${FILE_NAMES[input.format]}"`,
      "cache-control": "no-store",
      trailer: "X-Export-Summary",
    });
    let summary: ExportSummary;
    try {
      summary = await runExport(contextFor(ctx, request), query, { format: input.format, system: input.system, maxTurns: input.maxTurns, rules, out });
    } catch (error) {
      if (res.destroyed) return; // the client went away
      if (out.hasStarted) {
        // half an export must not look whole: the connection is cut, so the client sees the body end early
        request.log.error({ err: error }, "export failed after its first bytes");
        res.destroy();
        return;
      }
      const answer = errorAnswer(error as Error, request);
      res.writeHead(answer.statusCode, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(errorBody(answer.code, answer.message)));
      return;
    }
    out.start();
    res.addTrailers({ "x-export-summary": JSON.stringify(summary) });
    res.end();
  });
}

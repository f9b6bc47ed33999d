import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { NoSuchSession, QueryError } from "../engine/errors.js";

/** An answer other than 200, with the JSON body every error has: {"error": {"code", "message"}}. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** A caller's mistake as the engine words it: 404 for a session missing or out of scope, else 400. */
export function fromQueryError(error: QueryError): HttpError {
  return error instanceof NoSuchSession ? new HttpError(404, "not_found", error.message) : new HttpError(400, "bad_request", error.message);
}

const FRAMEWORK_CODES: Record<number, string> = {
  400: "bad_request",
  404: "not_found",
  405: "method_not_allowed",
  406: "not_acceptable",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  429: "rate_limited",
  431: "headers_too_large",
};

/**
 * The one error handler: our own errors as they are, the engine's caller errors as 400/404, the
 * framework's (body too large, bad JSON) with their status, and anything else a 500 whose details go
 * to the log only. The server keeps serving either way.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let answer: HttpError;
  if (error instanceof HttpError) answer = error;
  else if (error instanceof QueryError) answer = fromQueryError(error);
  else {
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      answer = new HttpError(status, FRAMEWORK_CODES[status] ?? "bad_request", error.message);
    } else {
      request.log.error({ err: error }, "request failed");
      answer = new HttpError(500, "internal", "The server failed on this request; the details are in its log. Try again; if it persists, narrow the query.");
    }
  }
  if (answer.statusCode === 401) void reply.header("www-authenticate", 'Bearer realm="session-events"');
  void reply.code(answer.statusCode).type("application/json").send(errorBody(answer.code, answer.message));
}

import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject } from "zod-openapi";
import { ExportInputSchema } from "../contract/export.js";
import { HttpErrorSchema, SessionListSchema, SessionsListInputSchema, StreamInputSchema } from "../contract/http.js";
import { PageSchema } from "../contract/page.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../contract/query-input.js";
import { SearchResultSchema, SessionsSearchInputSchema } from "../contract/search.js";
import { SessionStateInputSchema, SessionStateSchema } from "../contract/session-state.js";
import { PACKAGE_VERSION } from "../version.js";

const keyParam = z.object({
  key: z.string().describe('A session key, its session id, or "current" (URL-encoded). Example: "agent:main:main"'),
});

/** The error statuses every route can answer with, each with the one error body. */
const COMMON_ERRORS: Array<[string, string]> = [
  ["400", "A bad argument: what was wrong and what is accepted (or a request that is not HTTP/1.1)."],
  ["401", "No token, or one this server does not know (with WWW-Authenticate: Bearer)."],
  ["403", "A foreign Origin or Host (DNS rebinding), checked before the token; on /api/export, a token that is not an operator's."],
  ["408", "The request was not received in time (a slow client)."],
  ["414", "A URL over 8 KB."],
  ["429", "Too many requests for this token (see Retry-After)."],
  ["431", "Request headers over 16 KB."],
  ["500", "An unexpected failure on the server; the details are in its log only, and it keeps serving."],
];
const errorResponses = (statuses: Array<[string, string]>) =>
  Object.fromEntries(statuses.map(([status, description]) => [status, { description, content: { "application/json": { schema: HttpErrorSchema } } }]));
/** A GET's body is not read, so a route of /api/ never answers 413 or 415. */
const errors = errorResponses([...COMMON_ERRORS, ["404", "No such session, or one outside the token's scope (the same answer)."]]);

const JsonRpcSchema = z.record(z.string(), z.unknown()).describe("A JSON-RPC 2.0 message or batch (MCP).");
const mcpEntry = {
  post: {
    summary: "MCP over Streamable HTTP (stateless; every tool)",
    description: "POST each JSON-RPC message; the answer is JSON. The token's principal applies as on /api/. Tool failures are JSON-RPC results with isError, not HTTP errors.",
    requestBody: { content: { "application/json": { schema: JsonRpcSchema } } },
    responses: {
      "200": { description: "The JSON-RPC response.", content: { "application/json": { schema: JsonRpcSchema } } },
      "202": { description: "A notification or response was accepted (no body)." },
      "406": { description: "The Accept header does not allow application/json and text/event-stream.", content: { "application/json": { schema: JsonRpcSchema } } },
      "415": { description: "The body is not application/json.", content: { "application/json": { schema: z.union([HttpErrorSchema, JsonRpcSchema]) } } },
      ...errorResponses([...COMMON_ERRORS, ["413", "A request body over 1 MB."]]),
    },
  },
  get: { summary: "Not offered (stateless server)", responses: { "405": { description: "POST each message instead.", content: { "application/json": { schema: JsonRpcSchema } } } } },
  delete: { summary: "Not offered (stateless server)", responses: { "405": { description: "There is no session to delete.", content: { "application/json": { schema: JsonRpcSchema } } } } },
};

function json(schema: z.ZodType, description: string, summary: string, requestParams: ZodOpenApiOperationObject["requestParams"]): ZodOpenApiOperationObject {
  return { summary, requestParams, responses: { "200": { description, content: { "application/json": { schema } } }, ...errors } };
}

/** The OpenAPI 3.1 document of /api/ (and /mcp), generated from the very schemas the routes parse with. */
export function openApiDocument(): unknown {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "openclaw-session-events",
      version: PACKAGE_VERSION,
      description: "Read-only events of agent sessions. Every answer is what the matching MCP tool returns as structuredContent. Lists are repeated or comma-joined parameters.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths: {
      "/api/sessions/{key}/events": {
        get: json(PageSchema, "A page of the session's events (session_events).", "Events of one session", {
          path: keyParam,
          query: SessionEventsInputSchema.omit({ sessionKey: true }),
        }),
      },
      "/api/events": {
        get: json(PageSchema, "A page of events across sessions (sessions_events).", "Events across sessions", { query: SessionsEventsInputSchema }),
      },
      "/api/sessions/{key}/state": {
        get: json(SessionStateSchema, "The session's state at a point (session_state).", "State of one session", {
          path: keyParam,
          query: SessionStateInputSchema.omit({ sessionKey: true }),
        }),
      },
      "/api/search": {
        get: json(SearchResultSchema, "Sessions whose events match a text query, ranked (sessions_search).", "Search sessions", { query: SessionsSearchInputSchema }),
      },
      "/api/sessions": {
        get: json(SessionListSchema, "The sessions the token may see, newest first.", "Session registry", { query: SessionsListInputSchema }),
      },
      "/api/export": {
        get: {
          summary: "Export conversations as fine-tuning data (operator token)",
          description:
            "The export command over HTTP: what the token may see, redacted, selected by quality and without near-duplicates. Streamed as it is made; the summary (conversations, turns, tokens, dropped and why) follows as the trailer X-Export-Summary. A failure after the first bytes cuts the connection, so a cut-short body never looks whole.",
          requestParams: { query: ExportInputSchema },
          responses: {
            "200": {
              description: "openai: JSON Lines, one conversation a line; sharegpt and alpaca: one JSON array.",
              headers: z.object({ "x-export-summary": z.string().describe("A trailer: the summary as JSON.") }),
              content: { "application/jsonl": { schema: z.string() }, "application/json": { schema: z.array(z.record(z.string(), z.unknown())) } },
            },
            ...errors,
          },
        },
      },
      "/mcp": mcpEntry,
      "/api/events/stream": {
        get: {
          summary: "Live events (Server-Sent Events)",
          description:
            "Each event is `event: <type>`, `id: <cursor after it>`, `data: <event JSON>`; resume with Last-Event-ID or cursor=. Without since or cursor it starts now.",
          requestParams: { query: StreamInputSchema },
          responses: { "200": { description: "An event stream.", content: { "text/event-stream": { schema: z.string() } } }, ...errors },
        },
      },
    },
  });
}

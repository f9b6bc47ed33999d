import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject } from "zod-openapi";
import { HttpErrorSchema, SessionListSchema, SessionsListInputSchema, StreamInputSchema } from "../contract/http.js";
import { PageSchema } from "../contract/page.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../contract/query-input.js";
import { SearchResultSchema, SessionsSearchInputSchema } from "../contract/search.js";
import { SessionStateInputSchema, SessionStateSchema } from "../contract/session-state.js";
import { PACKAGE_VERSION } from "../version.js";

const keyParam = z.object({
  key: z.string().describe('A session key, its session id, or "current" (URL-encoded). Example: "agent:main:main"'),
});

const errors = Object.fromEntries(
  [
    ["400", "A bad argument: what was wrong and what is accepted."],
    ["401", "No token, or one this server does not know."],
    ["403", "A foreign Origin or Host (DNS rebinding)."],
    ["404", "No such session, or one outside the token's scope (the same answer)."],
    ["429", "Too many requests for this token (see Retry-After)."],
  ].map(([status, description]) => [status, { description, content: { "application/json": { schema: HttpErrorSchema } } }]),
);

function json(schema: z.ZodType, description: string, summary: string, requestParams: ZodOpenApiOperationObject["requestParams"]): ZodOpenApiOperationObject {
  return { summary, requestParams, responses: { "200": { description, content: { "application/json": { schema } } }, ...errors } };
}

/** The OpenAPI 3.1 document of /api/, generated from the very schemas the routes parse with. */
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

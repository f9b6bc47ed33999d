/** Library entry: the query engine, the sources and the MCP server, for embedding. */
export { createAppContext, resolvePrincipal, type AppContext, type AppOptions } from "./app/context.js";
export { SessionEventSchema, EVENT_TYPES, type SessionEvent, type EventType } from "./contract/event.js";
export { PageSchema, type Page } from "./contract/page.js";
export { SessionEventsInputSchema, SessionsEventsInputSchema } from "./contract/query-input.js";
export { querySessionEvents, querySessionsEvents } from "./engine/run-query.js";
export { QueryError } from "./engine/errors.js";
export { createServer, serveStdio } from "./mcp/server.js";
export { limitHeapGrowth } from "./app/heap.js";
export { openStore } from "./sources/open-store.js";

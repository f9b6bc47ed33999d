import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { createServer } from "../../mcp/server.js";
import { contextFor } from "./events.js";

const NOT_ALLOWED = { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this server is stateless, POST each message to /mcp." }, id: null };

/**
 * MCP over Streamable HTTP, stateless: each POST gets the same server the stdio face runs (every
 * tool), made for the principal of the request's token, and answers in JSON. There is no session to
 * resume or delete, so GET and DELETE are 405, as the transport's specification allows.
 */
export function registerMcpRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post("/mcp", async (request, reply) => {
    const server = createServer(contextFor(ctx, request));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  });
  const notAllowed = async (_request: unknown, reply: import("fastify").FastifyReply) => reply.code(405).header("allow", "POST").send(NOT_ALLOWED);
  app.get("/mcp", notAllowed);
  app.delete("/mcp", notAllowed);
}

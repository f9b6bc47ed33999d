import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TokenHolder, TokenRegistry } from "../app/tokens.js";
import type { Principal } from "../engine/principal.js";
import { HttpError } from "./errors.js";

export const LIMITS = { urlBytes: 8 * 1024, headerBytes: 16 * 1024, bodyBytes: 1024 * 1024 } as const;

/** Paths anyone may ask for: everything else needs a token when the server has tokens. */
const PUBLIC_PATHS = new Set(["/", "/healthz", "/openapi.json"]);

export type GuardOptions = {
  /** The names this server answers to (lower case, IPv6 in brackets), the Host header's name part. */
  hostNames: ReadonlySet<string>;
  allowOrigins: ReadonlySet<string>;
  /** With tokens: each request's principal is its token's; without: every request is `principal`. */
  tokens?: TokenRegistry;
  principal: Principal;
};

/** Who a request is, once the guard let it in. */
export type Caller = { principal: Principal; holder?: TokenHolder; operator: boolean };

declare module "fastify" {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error("the guard did not run for this request");
  return request.caller;
}

/** The name part of a Host header, lower case: "[::1]:7420" -> "[::1]", "Example.org:80" -> "example.org". */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.lastIndexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

function normalOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

function headerBytes(request: FastifyRequest): number {
  let bytes = 0;
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i++) bytes += Buffer.byteLength(raw[i]!) + 2;
  return bytes;
}

/**
 * Checks every request, cheapest first: sizes (414, 431), then the Host and Origin a browser under DNS
 * rebinding or on a foreign page would send (403), then the token (401); only then is a request served.
 */
export function registerGuard(app: FastifyInstance, options: GuardOptions): void {
  app.addHook("onRequest", async (request) => {
    if (request.raw.url !== undefined && Buffer.byteLength(request.raw.url) > LIMITS.urlBytes) {
      throw new HttpError(414, "uri_too_long", `The URL is longer than ${LIMITS.urlBytes} bytes.`);
    }
    if (headerBytes(request) > LIMITS.headerBytes) {
      throw new HttpError(431, "headers_too_large", `The request headers are larger than ${LIMITS.headerBytes} bytes.`);
    }
    const host = request.headers.host;
    if (host === undefined || !options.hostNames.has(hostName(host))) {
      throw new HttpError(403, "forbidden_host", "This server does not answer to that Host name (start it with --allow-host NAME to add one).");
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const normal = normalOrigin(origin);
      const own = normal !== undefined && new URL(normal).host === host.trim().toLowerCase();
      if (!own && (normal === undefined || !options.allowOrigins.has(normal))) {
        throw new HttpError(403, "forbidden_origin", "Requests from that Origin are not allowed (start the server with --allow-origin URL to allow one).");
      }
    }
    const path = request.url.split("?", 1)[0]!;
    if (!options.tokens) {
      request.caller = { principal: options.principal, operator: options.principal.caller === undefined };
      return;
    }
    if (PUBLIC_PATHS.has(path)) {
      request.caller = { principal: { scope: "self", clearance: "public", caller: "" }, operator: false };
      return;
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
    const holder = match ? options.tokens.find(match[1]!) : undefined;
    if (!holder) {
      throw new HttpError(401, "unauthorized", match ? "That token is not known to this server (revoked, or mistyped)." : "This server needs a token: send Authorization: Bearer <token>.");
    }
    request.caller = { principal: holder.principal, holder, operator: holder.operator };
  });
}

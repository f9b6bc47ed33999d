import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { HttpError } from "../errors.js";

/** Where `npm run build` puts the dashboard (dist/web), seen from dist/src/http/routes. */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** The page may only talk to this server and load what it bundled: no CDN, no inline script, no framing. */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

type Asset = { body: Buffer; type: string };

/** The built files, read once: only these names are served, so no request can name another path. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const assetDir = join(dir, "assets");
  if (!existsSync(assetDir)) return assets;
  for (const name of readdirSync(assetDir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
  }
  return assets;
}

/**
 * GET / (the dashboard's page) and GET /assets/:name (its bundled scripts and styles). They need no
 * token (the page asks for one and sends it to /api itself); the guard's Host/Origin checks still apply.
 */
export function registerDashboardRoutes(app: FastifyInstance, dir = DASHBOARD_DIR): void {
  const indexPath = join(dir, "index.html");
  const page = existsSync(indexPath) ? readFileSync(indexPath) : undefined;
  const assets = loadAssets(dir);
  const send = (reply: FastifyReply, asset: Asset, cache: string) =>
    reply.headers({ ...PAGE_HEADERS, "cache-control": cache }).type(asset.type).send(asset.body);

  app.get("/", async (_request, reply) => {
    if (!page) throw new HttpError(404, "not_found", "The dashboard is not built: run `npm run build` (it writes dist/web).");
    return send(reply, { body: page, type: TYPES[".html"]! }, "no-cache");
  });
  app.get<{ Params: { name: string } }>("/assets/:name", async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) throw new HttpError(404, "not_found", `There is no dashboard asset ${JSON.stringify(request.params.name)}.`);
    // names carry a content hash (Vite), so a name always means the same bytes
    return send(reply, asset, "public, max-age=31536000, immutable");
  });
}

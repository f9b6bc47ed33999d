/**
 * Every status a test saw on an /api/ route (or /mcp) must be in that route's OpenAPI entry. The server counts
 * its answers by route and status in /metrics, so a test file's last check reads them from there: what
 * the server really answered during the file's tests, not a list written by hand.
 */
import { openApiDocument } from "../../src/http/openapi.js";
import { get } from "./http-server.js";

/** "method route status" of answers on /api/ routes and /mcp that its /openapi.json does not describe. */
export async function undocumentedStatuses(url: string, headers: Record<string, string> = {}): Promise<{ seen: string[]; undocumented: string[] }> {
  const metrics = await get(`${url}/metrics`, { headers });
  if (metrics.status !== 200) throw new Error(`/metrics answered ${metrics.status}: ${metrics.body}`);
  // the document the server serves at /openapi.json, made by the same code (fetching it could meet the rate limit)
  const document = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const seen = new Set<string>();
  const undocumented: string[] = [];
  for (const line of metrics.body.split("\n")) {
    const match = /^session_events_http_requests_total\{(.*)\} \d/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!labels.route?.startsWith("/api/") && labels.route !== "/mcp") continue;
    const path = labels.route.replace(/:(\w+)/g, "{$1}");
    const pair = `${labels.method} ${path} ${labels.status}`;
    seen.add(pair);
    if (!document.paths[path]?.[labels.method!.toLowerCase()]?.responses[labels.status!]) undocumented.push(pair);
  }
  return { seen: [...seen].sort(), undocumented };
}

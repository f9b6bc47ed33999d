/**
 * Every status a test saw on an /api/ route must be in that route's OpenAPI entry. The server counts
 * its answers by route and status in /metrics, so a test file's last check reads them from there: what
 * the server really answered during the file's tests, not a list written by hand.
 */
import { get } from "./http-server.js";

/** "route status" pairs the server answered on /api/ routes that its /openapi.json does not describe. */
export async function undocumentedStatuses(url: string, headers: Record<string, string> = {}): Promise<{ seen: string[]; undocumented: string[] }> {
  const metrics = await get(`${url}/metrics`, { headers });
  if (metrics.status !== 200) throw new Error(`/metrics answered ${metrics.status}: ${metrics.body}`);
  const document = (await get(`${url}/openapi.json`)).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const seen = new Set<string>();
  const undocumented: string[] = [];
  for (const line of metrics.body.split("\n")) {
    const match = /^session_events_http_requests_total\{(.*)\} \d/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!labels.route?.startsWith("/api/")) continue;
    const path = labels.route.replace(/:(\w+)/g, "{$1}");
    const pair = `${labels.method} ${path} ${labels.status}`;
    seen.add(pair);
    if (!document.paths[path]?.[labels.method!.toLowerCase()]?.responses[labels.status!]) undocumented.push(pair);
  }
  return { seen: [...seen].sort(), undocumented };
}

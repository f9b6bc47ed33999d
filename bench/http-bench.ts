/**
 * The HTTP benchmark (issue 25): `session-events serve` over the store section's store, warm (after the
 * background indexer caught up), loaded by autocannon on loopback: requests/s, latency p50/p99, errors
 * and the server's RSS for REST queries and the same tail query over MCP, against /healthz (the
 * framework alone) measured in the same run; then SSE delivery latency from write to receipt with
 * many clients (bench/sse-bench.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import type { StoreManifest } from "./generate-store.js";
import { startServe, waitForCatchUp, withRssSampling, type ServeProcess } from "./serve-process.js";
import { benchSse, type SseResult } from "./sse-bench.js";
import { markdownTable } from "./stats.js";

export type HttpBenchConfig = {
  storeDir: string;
  manifest: StoreManifest;
  /** Concurrent connections of each load run, and how long each runs (s). */
  clients: number;
  durationS: number;
  sseClients: number;
  sseEvents: number;
  catchUpTimeoutMs: number;
  log(line: string): void;
};

type Target = {
  label: string;
  path: string;
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
  /** What one answer must hold (checked once, before the load): a note, or throws. */
  check(body: string): string;
};

type LoadRow = { target: Target; result?: autocannon.Result; maxRssMb?: number; check: string; error?: string };

const TARGETS = {
  p99TailMs: 50,
  rssMb: 300,
  deliveryP99Ms: 1000,
};

const mcpCall = (name: string, args: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });

function pageCheck(body: string): string {
  const page = JSON.parse(body) as { events?: unknown[]; stoppedBy?: string; hasMore?: boolean };
  if (!Array.isArray(page.events)) throw new Error(`not a page: ${body.slice(0, 200)}`);
  return `${page.events.length} events${page.stoppedBy ? ` (stoppedBy ${page.stoppedBy})` : ""}, hasMore ${String(page.hasMore)}`;
}

function targets(m: StoreManifest): Target[] {
  const big = m.bigSession;
  const tailArgs = { sessionKey: big.key, since: m.since, limit: 50 };
  return [
    { label: "`GET /healthz` (the framework alone: no engine, no store)", path: "/healthz", check: (b) => (JSON.parse(b).ok === true ? "ok" : "not ok") },
    {
      label: `\`GET /api/events?since=1h\` (sessions_events, every session's last hour, first page)`,
      path: `/api/events?since=${m.since}`,
      check: pageCheck,
    },
    {
      label: `\`GET /api/sessions/:key/events?since=1h&limit=50\` (a tail query: the big session, ${(big.bytes / 1024 ** 2).toFixed(0)} MiB)`,
      path: `/api/sessions/${encodeURIComponent(big.key)}/events?since=${m.since}&limit=50`,
      check: pageCheck,
    },
    {
      label: "`POST /mcp` tools/call session_events, the same tail query (MCP over Streamable HTTP, stateless)",
      path: "/mcp",
      method: "POST",
      body: mcpCall("session_events", tailArgs),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      check: (b) => {
        const answer = JSON.parse(b) as { result?: { structuredContent?: unknown; isError?: boolean } };
        if (!answer.result?.structuredContent || answer.result.isError) throw new Error(`not a page: ${b.slice(0, 200)}`);
        return pageCheck(JSON.stringify(answer.result.structuredContent));
      },
    },
  ];
}

async function checkOnce(url: string, t: Target): Promise<string> {
  const response = await fetch(`${url}${t.path}`, { method: t.method ?? "GET", body: t.body, headers: t.headers });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${response.status}: ${body.slice(0, 200)}`);
  return t.check(body);
}

async function load(server: ServeProcess, t: Target, cfg: HttpBenchConfig): Promise<LoadRow> {
  let check: string;
  try {
    check = await checkOnce(server.url, t);
  } catch (error) {
    return { target: t, check: "", error: (error as Error).message };
  }
  cfg.log(`  ${t.method ?? "GET"} ${t.path.slice(0, 80)}: ${cfg.clients} clients, ${cfg.durationS} s ...`);
  const { result, maxRssMb } = await withRssSampling(server, () =>
    autocannon({ url: `${server.url}${t.path}`, method: t.method ?? "GET", body: t.body, headers: t.headers, connections: cfg.clients, duration: cfg.durationS, timeout: 30 }),
  );
  return { target: t, result, maxRssMb, check };
}

const fixed = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits));

function loadCells(row: LoadRow, floor: LoadRow | undefined): string[] {
  const r = row.result;
  if (!r) return [row.target.label, "—", "—", "—", "—", "—", "—", "—", `NO: ${row.error ?? "not run"}`];
  const errors = r.errors + r.non2xx;
  const ratio = floor?.result && floor !== row ? `${(r.latency.p50 / Math.max(0.01, floor.result.latency.p50)).toFixed(1)}x` : "—";
  return [
    row.target.label,
    fixed(r.requests.average, 0),
    fixed(r.latency.p50),
    fixed(r.latency.p99),
    fixed(r.latency.max, 0),
    ratio,
    `${errors}${r.timeouts ? ` (${r.timeouts} timeouts)` : ""}${r.non2xx ? ` (${r.non2xx} not 2xx)` : ""}`,
    fixed(row.maxRssMb, 0),
    `${errors === 0 ? "✓" : "NO"} ${row.check}`,
  ];
}

export async function benchHttp(cfg: HttpBenchConfig): Promise<string> {
  const box = mkdtempSync(join(tmpdir(), "session-events-http-bench-"));
  const config = join(box, "config.json");
  // the per-address rate limit (600 a minute) would answer most of a load run with 429s
  writeFileSync(config, JSON.stringify({ rateLimitPerMinute: 1_000_000 }));
  const env = { ...process.env, SESSION_EVENTS_CACHE_DIR: join(box, "cache"), SESSION_EVENTS_LOG_LEVEL: "warn" };
  const rows: LoadRow[] = [];
  let catchUpMs: number | undefined;
  let memory: { rssMb: number; peakMb: number } | undefined;
  let sse: SseResult | undefined;
  try {
    cfg.log("http: serve over the store, waiting for the background catch-up ...");
    const server = await startServe(["--store", cfg.storeDir, "--config", config], env);
    try {
      catchUpMs = await waitForCatchUp(server.url, cfg.catchUpTimeoutMs);
      for (const t of targets(cfg.manifest)) rows.push(await load(server, t, cfg));
      memory = server.memory();
    } finally {
      await server.stop();
    }
    cfg.log(`http: SSE delivery, ${cfg.sseClients} clients, ${cfg.sseEvents} events ...`);
    sse = await benchSse({ box, env, config, clients: cfg.sseClients, events: cfg.sseEvents });
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
  return render(cfg, rows, catchUpMs, memory, sse);
}

function render(cfg: HttpBenchConfig, rows: LoadRow[], catchUpMs: number | undefined, memory: { rssMb: number; peakMb: number } | undefined, sse: SseResult): string {
  const floor = rows[0];
  const tail = rows[2]?.result;
  const mcp = rows[3]?.result;
  const loadRss = Math.max(...rows.map((r) => r.maxRssMb ?? 0));
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  const notes = [
    tail && `Target p99 of a tail query under ${TARGETS.p99TailMs} ms with ${cfg.clients} clients: ${fixed(tail.latency.p99)} ms, ${verdict(tail.latency.p99 < TARGETS.p99TailMs)}.`,
    `Target server RSS under ${TARGETS.rssMb} MB: at most ${fixed(loadRss, 0)} MB under load${memory ? `, peak over the server's life ${fixed(memory.peakMb, 0)} MB (the background catch-up included)` : ""}, ${verdict(Math.max(loadRss, memory?.peakMb ?? 0) < TARGETS.rssMb)}.`,
    `Target SSE delivery p99 under ${TARGETS.deliveryP99Ms} ms: ${fixed(sse.p99Ms, 0)} ms, ${verdict(sse.p99Ms < TARGETS.deliveryP99Ms)}.`,
    tail && mcp && `MCP over HTTP ÷ REST, the same tail query: p50 ${(mcp.latency.p50 / Math.max(0.01, tail.latency.p50)).toFixed(2)}x, requests/s ${(mcp.requests.average / Math.max(1, tail.requests.average)).toFixed(2)}x (a new MCP server and transport per POST, as stateless Streamable HTTP has it; identical requests that overlap share one read either way, src/http/in-flight.ts).`,
  ].filter(Boolean);
  return [
    "## HTTP server",
    "",
    `\`session-events serve\` over the store of the store section (bench/http-bench.ts), on loopback, after its background indexer caught up (${catchUpMs === undefined ? "—" : `${(catchUpMs / 1000).toFixed(1)} s`} from start, a fresh cache dir). Load: autocannon in the benchmark's process, ${cfg.clients} connections for ${cfg.durationS} s per row, on the same 2 cores as the server. "1h" is the hour before the store was generated (as the store section). p50 ÷ /healthz compares each route with the framework alone, measured in the same run. Server RSS: the highest of samples every 200 ms during the row.`,
    "",
    markdownTable(["request", "requests/s", "p50 ms", "p99 ms", "max ms", "p50 ÷ /healthz", "errors", "server RSS MB", "answer"], rows.map((r) => loadCells(r, floor))),
    "",
    `SSE delivery (bench/sse-bench.ts): ${sse.clients} clients stream one session of a small file store of their own server; a writer appends ${sse.events} messages, one every ${sse.intervalMs} ms; latency = receipt at the client − the time of the write. Every client got every event exactly once, in order: ${sse.complete ? "✓" : `NO (${sse.problem})`}.`,
    "",
    markdownTable(
      ["clients", "events each", "delivered", "p50 ms", "p90 ms", "p99 ms", "max ms", "server RSS MB"],
      [[String(sse.clients), String(sse.events), String(sse.delivered), fixed(sse.p50Ms, 0), fixed(sse.p90Ms, 0), fixed(sse.p99Ms, 0), fixed(sse.maxMs, 0), fixed(sse.maxRssMb, 0)]],
    ),
    "",
    ...notes.map((n) => `- ${n}`),
  ].join("\n");
}

import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What /metrics tells: requests by route and status, latency, open streams, events served, index state. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "session_events_http_requests_total",
    help: "HTTP requests answered, by route, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "session_events_http_request_duration_seconds",
    help: "Time to answer an HTTP request (to the end of the answer; streams are not counted).",
    labelNames: ["route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly openStreams = new Gauge({
    name: "session_events_open_streams",
    help: "Server-Sent Events streams open now.",
    registers: [this.registry],
  });
  readonly eventsServed = new Counter({
    name: "session_events_events_served_total",
    help: "Events sent, on pages and streams.",
    labelNames: ["via"] as const,
    registers: [this.registry],
  });
  readonly indexSessions = new Gauge({
    name: "session_events_index_sessions",
    help: "Sessions the background indexer saw on its last pass, and of them those it had to read.",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  readonly indexPasses = new Counter({
    name: "session_events_index_passes_total",
    help: "Background indexing passes completed.",
    registers: [this.registry],
  });

  recordIndexPass(pass: { sessions: number; read: number }): void {
    this.indexSessions.set({ state: "seen" }, pass.sessions);
    this.indexSessions.set({ state: "read" }, pass.read);
    this.indexPasses.inc();
  }
}

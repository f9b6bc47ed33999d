import type { EventType } from "../../contract/event.js";
import type { SourceEvent } from "../session.js";

/**
 * What is summed about a set of events, for counts without reading them again: the count, first and
 * last time, errors, token and cost sums of assistant messages, and tool durations in log buckets.
 */
export type EventStats = {
  n: number;
  first: number;
  last: number;
  err: number;
  /** assistant messages with usage, and their summed input / output / total tokens and cost */
  msgs: number;
  ti: number;
  to: number;
  tt: number;
  cost: number;
  /** tool durations: bucket -> count */
  dur: Record<string, number>;
};

const HOUR_MS = 3_600_000;
/** Duration buckets grow by 2^(1/16) (about 4.4%): a quantile read from them is that close. */
const BUCKETS_PER_DOUBLING = 16;

export function newStats(): EventStats {
  return { n: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY, err: 0, msgs: 0, ti: 0, to: 0, tt: 0, cost: 0, dur: {} };
}

/** The summary key of an event: type, tool, model in effect, and the UTC hour it falls in. */
export function statsKey(type: EventType, tool: string | undefined, model: string | undefined, timestamp: number): string {
  return `${type}\t${tool ?? ""}\t${model ?? ""}\t${Math.floor(timestamp / HOUR_MS) * HOUR_MS}`;
}

export type StatsKeyParts = { type: EventType; tool: string | null; model: string | null; hour: number };

export function parseStatsKey(key: string): StatsKeyParts {
  const [type, tool, model, hour] = key.split("\t");
  return { type: type as EventType, tool: tool || null, model: model || null, hour: Number(hour) };
}

export function eventTool(event: SourceEvent): string | undefined {
  return typeof event.payload.toolName === "string" ? event.payload.toolName : undefined;
}

export function addEvent(stats: EventStats, event: SourceEvent): void {
  stats.n++;
  if (event.timestamp < stats.first) stats.first = event.timestamp;
  if (event.timestamp > stats.last) stats.last = event.timestamp;
  if (event.type === "error" || event.type === "tool_error") stats.err++;
  const usage = event.payload.usage as Record<string, unknown> | undefined;
  if (event.type === "message" && usage && typeof usage === "object") {
    stats.msgs++;
    stats.ti += num(usage.input);
    stats.to += num(usage.output);
    stats.tt += num(usage.totalTokens) || num(usage.input) + num(usage.output);
    stats.cost += num(usage.cost);
  }
  const duration = event.payload.durationMs;
  if ((event.type === "tool_result" || event.type === "tool_error") && typeof duration === "number" && Number.isFinite(duration)) {
    const bucket = String(durationBucket(duration));
    stats.dur[bucket] = (stats.dur[bucket] ?? 0) + 1;
  }
}

export function mergeStats(into: EventStats, from: EventStats): void {
  into.n += from.n;
  into.first = Math.min(into.first, from.first);
  into.last = Math.max(into.last, from.last);
  into.err += from.err;
  into.msgs += from.msgs;
  into.ti += from.ti;
  into.to += from.to;
  into.tt += from.tt;
  into.cost += from.cost;
  for (const [bucket, count] of Object.entries(from.dur)) into.dur[bucket] = (into.dur[bucket] ?? 0) + count;
}

function durationBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log2(ms) * BUCKETS_PER_DOUBLING);
}

function bucketValue(bucket: number): number {
  return bucket === 0 ? 1 : Math.round(2 ** (bucket / BUCKETS_PER_DOUBLING));
}

/** p50 and p95 of the bucketed durations (each reported as its bucket's upper bound). */
export function durationQuantiles(dur: Record<string, number>): { p50: number; p95: number; samples: number } | undefined {
  const buckets = Object.entries(dur)
    .map(([b, c]) => [Number(b), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const samples = buckets.reduce((sum, [, c]) => sum + c, 0);
  if (samples === 0) return undefined;
  const at = (q: number) => {
    const rank = Math.ceil(q * samples);
    let seen = 0;
    for (const [bucket, count] of buckets) {
      seen += count;
      if (seen >= rank) return bucketValue(bucket);
    }
    return bucketValue(buckets[buckets.length - 1]![0]);
  };
  return { p50: at(0.5), p95: at(0.95), samples };
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

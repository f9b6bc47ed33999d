import type { EventType } from "../../contract/event.js";
import { usageTotal } from "../../contract/usage.js";
import type { SourceEvent } from "../session.js";

/**
 * What is summed about a set of events, for counts without reading them again: the count, first and
 * last time, errors, token and cost sums of assistant messages, and tool durations in log buckets.
 * Kept as one flat array of numbers (compact in memory and in the index files):
 * [n, first, last, errors, messages with usage, input, output, total tokens, cost, then bucket/count pairs].
 */
export type EventStats = number[];

const N = 0;
const FIRST = 1;
const LAST = 2;
const ERR = 3;
const MSGS = 4;
const TI = 5;
const TO = 6;
const TT = 7;
const COST = 8;
const DUR = 9;

/** The named view of EventStats. */
export type StatsView = { n: number; first: number; last: number; err: number; msgs: number; ti: number; to: number; tt: number; cost: number };

export function viewStats(stats: EventStats): StatsView {
  return { n: stats[N]!, first: stats[FIRST]!, last: stats[LAST]!, err: stats[ERR]!, msgs: stats[MSGS]!, ti: stats[TI]!, to: stats[TO]!, tt: stats[TT]!, cost: stats[COST]! };
}

const HOUR_MS = 3_600_000;
/** Duration buckets grow by 2^(1/16) (about 4.4%); a quantile is reported as its bucket's geometric middle, within about 2.2%. */
const BUCKETS_PER_DOUBLING = 16;

export function newStats(): EventStats {
  return [0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, 0, 0, 0, 0, 0];
}

/** The key last made for each type and tool, with its model and hour: consecutive events mostly share them. */
const lastKeys = new Map<string, Map<string, { model: string; hour: number; key: string }>>();

/** The summary key of an event: type, tool, model in effect, and the UTC hour it falls in. */
export function statsKey(type: EventType, tool: string | undefined, model: string | undefined, timestamp: number): string {
  const hour = Math.floor(timestamp / HOUR_MS) * HOUR_MS;
  const toolName = tool ?? "";
  const modelName = model ?? "";
  let byTool = lastKeys.get(type);
  if (!byTool) lastKeys.set(type, (byTool = new Map()));
  const last = byTool.get(toolName);
  if (last && last.hour === hour && last.model === modelName) return last.key;
  const key = `${type}\t${toolName}\t${modelName}\t${hour}`;
  if (last) {
    last.model = modelName;
    last.hour = hour;
    last.key = key;
  } else {
    if (byTool.size > 10_000) byTool.clear();
    byTool.set(toolName, { model: modelName, hour, key });
  }
  return key;
}

/** The key without its hour (all hours as one: a whole transcript's totals). */
export function wholeStatsKey(key: string): string {
  return `${key.slice(0, key.lastIndexOf("\t"))}\t0`;
}

export type StatsKeyParts = { type: EventType; tool: string | null; model: string | null; hour: number };

const parsedKeys = new Map<string, StatsKeyParts>();

export function parseStatsKey(key: string): StatsKeyParts {
  let parts = parsedKeys.get(key);
  if (!parts) {
    const [type, tool, model, hour] = key.split("\t");
    parts = { type: type as EventType, tool: tool || null, model: model || null, hour: Number(hour) };
    if (parsedKeys.size > 100_000) parsedKeys.clear();
    parsedKeys.set(key, parts);
  }
  return parts;
}

export function eventTool(event: SourceEvent): string | undefined {
  return typeof event.payload.toolName === "string" ? event.payload.toolName : undefined;
}

export function addEvent(stats: EventStats, event: SourceEvent): void {
  stats[N]!++;
  if (event.timestamp < stats[FIRST]!) stats[FIRST] = event.timestamp;
  if (event.timestamp > stats[LAST]!) stats[LAST] = event.timestamp;
  if (event.type === "error" || event.type === "tool_error") stats[ERR]!++;
  const usage = event.payload.usage as Record<string, unknown> | undefined;
  if (event.type === "message" && usage && typeof usage === "object") {
    stats[MSGS]!++;
    stats[TI]! += num(usage.input);
    stats[TO]! += num(usage.output);
    stats[TT]! += usageTotal(usage as Record<string, unknown>);
    stats[COST]! += num(usage.cost);
  }
  const duration = event.payload.durationMs;
  if ((event.type === "tool_result" || event.type === "tool_error") && typeof duration === "number" && Number.isFinite(duration)) {
    addDurations(stats, durationBucket(duration), 1);
  }
}

function addDurations(stats: EventStats, bucket: number, count: number): void {
  for (let i = DUR; i < stats.length; i += 2) {
    if (stats[i] === bucket) {
      stats[i + 1]! += count;
      return;
    }
  }
  stats.push(bucket, count);
}

export function mergeStats(into: EventStats, from: EventStats): void {
  addTotals(into, from);
  for (let i = DUR; i < from.length; i += 2) addDurations(into, from[i]!, from[i + 1]!);
}

/** Adds everything but the durations: the count, first and last time, and the sums. */
function addTotals(into: EventStats, from: EventStats): void {
  into[N]! += from[N]!;
  if (from[FIRST]! < into[FIRST]!) into[FIRST] = from[FIRST]!;
  if (from[LAST]! > into[LAST]!) into[LAST] = from[LAST]!;
  for (let i = ERR; i <= COST; i++) into[i]! += from[i]!;
}

/**
 * A sum of many stats: mergeStats looks up each duration bucket in the sum's list, which costs time
 * quadratic in the buckets when thousands of stats are merged into one; here buckets go to a map.
 */
export class StatsSum {
  private readonly base = newStats();
  private readonly durations = new Map<number, number>();

  add(from: EventStats): void {
    addTotals(this.base, from);
    for (let i = DUR; i < from.length; i += 2) this.durations.set(from[i]!, (this.durations.get(from[i]!) ?? 0) + from[i + 1]!);
  }

  result(): EventStats {
    const out = [...this.base];
    for (const [bucket, count] of this.durations) out.push(bucket, count);
    return out;
  }
}

function durationBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log2(ms) * BUCKETS_PER_DOUBLING);
}

function bucketValue(bucket: number): number {
  return bucket === 0 ? 1 : Math.round(2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING));
}

/** p50 and p95 of the bucketed durations (each reported as its bucket's geometric middle). */
export function durationQuantiles(stats: EventStats): { p50: number; p95: number; samples: number } | undefined {
  const buckets: Array<readonly [number, number]> = [];
  for (let i = DUR; i < stats.length; i += 2) buckets.push([stats[i]!, stats[i + 1]!]);
  buckets.sort((a, b) => a[0] - b[0]);
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

/** Formatting for the store benchmark's tables: timings, ratios, memory, and agreement checks. */
import type { Measurement, OursMeasurement } from "./harness.js";

export type Row = {
  query: string;
  /** Ours as measured by measureOurs: cold, restarted, server. */
  ours?: OursMeasurement;
  naive?: Measurement;
  jq?: Measurement;
  rg?: Measurement;
  /** Agreement notes, one per contestant (undefined: not measured); a leading "NO" marks a disagreement. */
  checks: Array<string | undefined>;
};

export function ms(m: Measurement | undefined, runs: number, deadlineMs: number): string {
  if (!m) return "—";
  if (m.timedOut) return `>${(deadlineMs / 1000).toFixed(0)} s (timeout)`;
  if (m.medianMs === undefined) return m.error ? `error` : "—";
  const n = m.runs.filter((r) => !r.error && !r.timedOut).length;
  const value = m.medianMs >= 100 ? m.medianMs.toFixed(0) : m.medianMs.toFixed(1);
  return n < runs ? `${value} (n=${n})` : value;
}

export function ratio(slow: Measurement | undefined, fast: Measurement | undefined): string {
  if (slow?.medianMs === undefined || fast?.medianMs === undefined || fast.medianMs <= 0) return "—";
  const r = slow.medianMs / fast.medianMs;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

function mb(m: Measurement | undefined): string {
  return m?.maxRssMb === undefined ? "—" : m.maxRssMb.toFixed(0);
}

export function rowCells(row: Row, runs: number, deadlineMs: number): string[] {
  return [
    row.query,
    ms(row.ours?.cold, runs, deadlineMs),
    ms(row.ours?.restarted, runs, deadlineMs),
    ms(row.ours?.server, runs, deadlineMs),
    ms(row.naive, runs, deadlineMs),
    ms(row.jq, runs, deadlineMs),
    ms(row.rg, runs, deadlineMs),
    `${ratio(row.naive, row.ours?.restarted)} / ${ratio(row.naive, row.ours?.server)}`,
    `${mb(row.ours?.cold)} / ${mb(row.ours?.restarted)} / ${mb(row.ours?.server)}`,
    `${mb(row.naive)} / ${mb(row.jq)} / ${mb(row.rg)}`,
    row.checks.filter((c) => c !== undefined).join("; ") || "—",
  ];
}

export const ROW_HEADERS = [
  "query",
  "ours cold ms",
  "ours restarted ms",
  "ours server ms",
  "naive ms",
  "jq ms",
  "rg ms",
  "naive ÷ ours restarted / server",
  "peak RSS MB ours cold / restarted / server",
  "peak RSS MB naive / jq / rg",
  "results agree",
];

export type Counts = Record<string, number>;

export function sameCounts(a: Counts, b: Counts): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}

export function countsDiff(got: Counts, want: Counts): string {
  const keys = [...new Set([...Object.keys(got), ...Object.keys(want)])].sort();
  return keys.filter((k) => (got[k] ?? 0) !== (want[k] ?? 0)).map((k) => `${k} ${got[k] ?? 0}≠${want[k] ?? 0}`).join(", ");
}

export function total(c: Counts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** The measurement whose answer to check: the server's, else a restarted or cold run's. */
export function oursAnswer(o: OursMeasurement): Measurement {
  return [o.server, o.restarted, o.cold].find((m) => m.result !== undefined) ?? o.cold;
}

/** One contestant's check: "name ✓ detail" or "NO name: detail", or why there is nothing to check. */
export function check(name: string, m: Measurement | undefined, verdict: (result: Record<string, unknown>) => [boolean, string]): string | undefined {
  if (!m) return undefined;
  const result = m.result as Record<string, unknown> | undefined;
  if (m.error && !m.timedOut) return `NO ${name}: ${m.error}`;
  if (!result) return `${name}: no result`;
  if (m.timedOut) {
    const events = typeof result.events === "number" ? ` after ${String(result.pages)} pages, ${result.events} events` : "";
    return `${name}: timed out${events}`;
  }
  const [ok, detail] = verdict(result);
  return ok ? `${name} ✓ ${detail}` : `NO ${name}: ${detail}`;
}

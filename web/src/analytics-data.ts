import type { Group } from "../../src/contract/groups.js";
import type { ChartData } from "./components/Chart.js";

const BLUE = "#2563eb";
const RED = "#dc2626";
const GREEN = "#15803d";
const AMBER = "#b45309";

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const seconds = (iso: string) => Date.parse(iso) / 1000;

/** Groups keyed by a time bucket (hour or day), oldest first; ones without the key are left out. */
function byTime(groups: readonly Group[], field: "hour" | "day"): Group[] {
  return groups.filter((g) => g.key[field]).sort((a, b) => seconds(a.key[field]!) - seconds(b.key[field]!));
}

function byName(groups: readonly Group[], field: "model" | "tool"): Group[] {
  return groups.filter((g) => g.key[field]).sort((a, b) => a.key[field]!.localeCompare(b.key[field]!));
}

export function eventsPerHour(groups: readonly Group[]): ChartData {
  const rows = byTime(groups, "hour");
  return {
    x: rows.map((g) => seconds(g.key.hour!)),
    leftUnit: "events",
    series: [
      { label: "events", values: rows.map((g) => g.count), color: BLUE, axis: "left", bars: true },
      { label: "errors", values: rows.map((g) => g.errors), color: RED, axis: "left" },
    ],
  };
}

export function tokensAndCost(groups: readonly Group[], field: "model" | "day"): ChartData {
  const rows = field === "day" ? byTime(groups, "day") : byName(groups, "model");
  return {
    x: field === "day" ? rows.map((g) => seconds(g.key.day!)) : rows.map((_, i) => i),
    ...(field === "model" ? { categories: rows.map((g) => g.key.model!) } : {}),
    leftUnit: "tokens",
    rightUnit: "USD",
    series: [
      { label: "tokens", values: rows.map((g) => g.tokens?.total ?? 0), color: BLUE, axis: "left", bars: true },
      { label: "cost (USD)", values: rows.map((g) => round(g.costUsd ?? 0, 6)), color: AMBER, axis: "right" },
    ],
  };
}

export function toolHealth(groups: readonly Group[]): ChartData {
  const rows = byName(groups, "tool");
  return {
    x: rows.map((_, i) => i),
    categories: rows.map((g) => g.key.tool!),
    leftUnit: "error rate %",
    rightUnit: "ms",
    series: [
      { label: "error rate %", values: rows.map((g) => round((100 * g.errors) / Math.max(1, g.count), 1)), color: RED, axis: "left", bars: true },
      { label: "p50 ms", values: rows.map((g) => g.durationMs?.p50 ?? null), color: GREEN, axis: "right" },
      { label: "p95 ms", values: rows.map((g) => g.durationMs?.p95 ?? null), color: AMBER, axis: "right" },
    ],
  };
}

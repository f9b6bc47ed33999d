export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function formatNumber(value: number | undefined): string {
  return value === undefined ? "—" : value.toLocaleString("en-US");
}

export function formatCost(usd: number | undefined): string {
  return usd === undefined ? "—" : `$${usd.toFixed(4)}`;
}

export function formatDuration(ms: unknown): string | undefined {
  if (typeof ms !== "number") return undefined;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A number field of a usage record, 0 when absent or not a finite number. */
function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * An assistant message's total tokens, by pi's rule: `totalTokens` when given, else input + output +
 * cacheRead + cacheWrite (older pi usage records have no total).
 */
export function usageTotal(usage: Record<string, unknown>): number {
  return count(usage.totalTokens) || count(usage.input) + count(usage.output) + count(usage.cacheRead) + count(usage.cacheWrite);
}

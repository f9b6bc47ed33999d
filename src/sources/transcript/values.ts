/** Defensive readers for untrusted JSON: they never throw and return undefined for the wrong type. */

export type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A line or registry time: epoch ms (number or digit string) or an ISO-8601 string. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 && value <= 8.64e15 ? value : undefined;
  if (typeof value !== "string" || value.length > 64) return undefined;
  if (/^\d+$/.test(value)) return parseInstant(Number(value));
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * The object without its `undefined` entries, so payloads carry no `undefined` keys. Callers pass a
 * fresh literal: one with nothing undefined is returned as it is (no copy, as most are).
 */
export function defined<T extends Json>(object: T): T {
  for (const key in object) {
    if (object[key] === undefined) {
      const out: Json = {};
      for (const k in object) if (object[k] !== undefined) out[k] = object[k];
      return out as T;
    }
  }
  return object;
}

import ms from "ms";
import { QueryError } from "./errors.js";

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const MAX_EPOCH_MS = 8.64e15; // the largest instant a JS Date can hold
const MAX_DURATION_MS = 1000 * 365.25 * 24 * 3600 * 1000; // a thousand years

const ACCEPTED =
  'Use ISO-8601 ("2026-02-15T10:00:00Z"), epoch milliseconds (1739613600000), ' +
  'or a duration before now ("30s", "15m", "1h", "7d", "2 days").';

export type TimeWindow = { since?: number; until?: number };

/** Whether a time falls in a window (`since` inclusive, `until` exclusive). */
export function inWindow({ since, until }: TimeWindow, ts: number): boolean {
  return (since === undefined || ts >= since) && (until === undefined || ts < until);
}

/** Parses one `since`/`until` value into epoch ms; relative durations count back from `now`. */
export function parseTimeBound(name: string, value: string | number, now: number): number {
  const bad = (why = "is not a time") =>
    new QueryError(`${name}: ${JSON.stringify(value)} ${why}. ${ACCEPTED}`);

  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > MAX_EPOCH_MS) throw bad("is not an epoch-ms instant");
    return value;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const epoch = Number(text);
    if (epoch > MAX_EPOCH_MS) throw bad("is out of range");
    return epoch;
  }
  if (ISO_8601.test(text)) {
    const hasTime = text.length > 10;
    const normalized = hasTime && !HAS_ZONE.test(text) ? `${text}Z` : text;
    const parsed = Date.parse(normalized.replace(" ", "T").replace(",", "."));
    if (Number.isNaN(parsed)) throw bad("is not a valid date");
    return parsed;
  }
  const duration = text === "" || /^[+-]/.test(text) ? undefined : parseDuration(text);
  if (duration === undefined || !Number.isFinite(duration)) throw bad();
  if (duration > MAX_DURATION_MS) throw bad("reaches back further than a thousand years");
  return Math.max(0, now - duration);
}

/** Resolves both bounds; an empty window (since not before until) is an error, not an empty page. */
export function resolveWindow(
  since: string | number | undefined,
  until: string | number | undefined,
  now: number,
): TimeWindow {
  const window: TimeWindow = {};
  if (since !== undefined) window.since = parseTimeBound("since", since, now);
  if (until !== undefined) window.until = parseTimeBound("until", until, now);
  if (window.since !== undefined && window.until !== undefined && window.since >= window.until) {
    throw new QueryError(
      `since (${new Date(window.since).toISOString()}) must be before until (${new Date(window.until).toISOString()}).`,
    );
  }
  return window;
}

function parseDuration(text: string): number | undefined {
  try {
    return (ms as (s: string) => number | undefined)(text);
  } catch {
    return undefined; // ms throws on some inputs instead of returning undefined
  }
}

export function isoOrNull(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : new Date(epochMs).toISOString();
}

/**
 * Redaction of very long strings (a 50 MB tool result fetched by id) in slices, with a turn of the
 * event loop between slices, so one huge payload does not stall every other caller. A slice ends where
 * no secret can straddle the cut: at a line break near the slice's end, checked by redacting the seam
 * around it, and never inside a private key block.
 */
import type { Redactor } from "./redact.js";

/** Characters redacted at once. */
export const SLICE_CHARS = 256 * 1024;
/** How far each side of a cut a match is looked for (longer than any secret but a private key block). */
const SEAM_CHARS = 4096;
const KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The redacted text, as `redactor(text)` would give it, computed a slice at a time. */
export async function redactLong(text: string, redactor: Redactor): Promise<{ text: string; redacted: boolean }> {
  if (text.length <= SLICE_CHARS) return redactor(text);
  const parts: string[] = [];
  let redacted = false;
  for (let start = 0; start < text.length; ) {
    let size = SLICE_CHARS;
    let end: number;
    let result: { text: string; redacted: boolean };
    for (;;) {
      end = safeCut(text, start, start + size, redactor);
      const slice = text.slice(start, end);
      result = redactor(slice);
      // a match that runs up to the cut may go on past it (a value up to the end of a line): take a longer slice
      if (end >= text.length || result.text.endsWith(slice.slice(-16))) break;
      size *= 2;
    }
    parts.push(result.text);
    redacted ||= result.redacted;
    start = end;
    await turn();
  }
  return { text: parts.join(""), redacted };
}

/** Where the slice that starts at `start` may end, at `first` or later: no match of the redactor near the cut spans it. */
function safeCut(text: string, start: number, first: number, redactor: Redactor): number {
  for (let target = first; target < text.length; target += SLICE_CHARS) {
    const afterKey = endOfOpenKeyBlock(text, start, target);
    if (afterKey !== undefined) {
      // a key block open at the cut: cut after its END line instead (or redact the rest at once)
      const newline = text.indexOf("\n", afterKey);
      if (newline < 0) return text.length;
      if (seamIsClean(text, newline + 1, redactor)) return newline + 1;
      target = newline + 1;
      continue;
    }
    for (let cut = lineBreakBefore(text, target, start), tries = 0; cut > start && tries < 8; tries++) {
      if (endOfOpenKeyBlock(text, start, cut) === undefined && seamIsClean(text, cut, redactor)) return cut;
      cut = lineBreakBefore(text, cut - SEAM_CHARS, start);
    }
  }
  return text.length;
}

/** A cut right after the last line break (else space) in the SEAM before `at`, else `at` itself. */
function lineBreakBefore(text: string, at: number, floor: number): number {
  const from = Math.max(floor + 1, at - SEAM_CHARS);
  // (searched within the seam only: lastIndexOf on the whole text would scan back to its start)
  const seam = text.slice(from, at + 1);
  const newline = seam.lastIndexOf("\n");
  if (newline >= 0) return from + newline + 1;
  const space = seam.lastIndexOf(" ");
  if (space >= 0) return from + space + 1;
  return at;
}

/** Whether redacting around `cut` as one text gives what redacting each side apart gives. */
function seamIsClean(text: string, cut: number, redactor: Redactor): boolean {
  const left = text.slice(Math.max(0, cut - SEAM_CHARS), cut);
  const right = text.slice(cut, cut + SEAM_CHARS);
  return redactor(left + right).text === redactor(left).text + redactor(right).text;
}

/** When a private key block begun in [start, cut) is still open at `cut`: where it ends (or the text's end). */
function endOfOpenKeyBlock(text: string, start: number, cut: number): number | undefined {
  const head = text.slice(start, cut);
  let lastBegin = -1;
  KEY_BEGIN.lastIndex = 0;
  for (let m = KEY_BEGIN.exec(head); m; m = KEY_BEGIN.exec(head)) lastBegin = m.index;
  if (lastBegin < 0) return undefined;
  KEY_END.lastIndex = start + lastBegin;
  const end = KEY_END.exec(text);
  if (end && end.index + end[0].length <= cut) return undefined;
  return end ? end.index + end[0].length : text.length;
}

/** Bounds of a payload walk: those shaping uses (deeper or wider parts are cut there, never shown). */
type WalkBounds = { maxDepth: number; maxItems: number };

/**
 * A redactor that answers at once for the long strings of `payload`, redacted beforehand a slice at a
 * time (shaping, which is synchronous, then finds them ready); any other string goes to `redactor`.
 */
export async function withLongStringsRedacted(payload: unknown, redactor: Redactor, bounds: WalkBounds): Promise<Redactor> {
  const ready = new Map<string, { text: string; redacted: boolean }>();
  const long: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (typeof value === "string") {
      if (value.length > SLICE_CHARS) long.push(value);
      return;
    }
    if (typeof value !== "object" || value === null || depth >= bounds.maxDepth) return;
    const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    for (const item of items.slice(0, bounds.maxItems)) walk(item, depth + 1);
  };
  walk(payload, 0);
  if (long.length === 0) return redactor;
  for (const text of long) if (!ready.has(text)) ready.set(text, await redactLong(text, redactor));
  return (text) => ready.get(text) ?? redactor(text);
}

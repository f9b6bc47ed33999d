import type { Visibility } from "../../contract/event.js";
import type { SourceEvent } from "../../sources/session.js";
import { clearanceAllows } from "../principal.js";
import type { Redactor } from "../redact.js";
import { shapeValue } from "../shape.js";

/** Bounds of an args walk: wider than a page's (a search finds what fetching the event whole shows). */
const WALK = { maxFieldChars: Number.MAX_SAFE_INTEGER, maxDepth: 32, maxItems: 10_000 };

/**
 * The searchable text of an event (EVENTS.md "Text search"), field by field, redacted: a credential
 * is never findable by its value, whatever the caller's clearance. Thinking counts at `internal` and
 * above. Args count as JSON, keys and values, walked rather than serialized (so an escaped "\n" does
 * not glue an "n" to the next word).
 */
export function searchableFields(event: SourceEvent, clearance: Visibility, redactor: Redactor): string[] {
  return redactedStrings(searchableValues(event, clearance), redactor);
}

/**
 * What a full-text index holds of an event, before redaction (see redactedStrings): its searchable
 * values as for `internal` clearance, the thinking apart (only callers of `internal` clearance and
 * above may find it).
 */
export function indexedValues(event: SourceEvent): { body: unknown[]; thinking: unknown[] } {
  const body = searchableValues(event, "public");
  const thinking = event.type === "message" && event.payload.thinking !== undefined && event.payload.thinking !== null ? [event.payload.thinking] : [];
  return { body, thinking };
}

/** Searchable values as their strings, redacted (args walked: keys and values). */
export function redactedStrings(values: unknown[], redactor: Redactor): string[] {
  const fields: string[] = [];
  for (const value of values) collectStrings(shapeValue(value, { ...WALK, redactor }).value, fields, 0);
  return fields;
}

/**
 * The strings of the searchable values before redaction, joined: every word of the redacted text is a
 * piece of this text or a word of a redaction marker, so a query word found in neither cannot match.
 */
export function unredactedText(event: SourceEvent, clearance: Visibility): string {
  const strings: string[] = [];
  for (const value of searchableValues(event, clearance)) collectStrings(value, strings, 0);
  return strings.join("\n");
}

/** The payload values EVENTS.md lists as an event's searchable text. */
function searchableValues(event: SourceEvent, clearance: Visibility): unknown[] {
  const p = event.payload;
  const raw: unknown[] = [];
  switch (event.type) {
    case "message":
      raw.push(p.text);
      if (clearanceAllows(clearance, "internal")) raw.push(p.thinking);
      break;
    case "tool_call":
      raw.push(p.toolName, p.args);
      break;
    case "tool_result":
    case "tool_error":
      raw.push(p.text);
      break;
    case "error":
      raw.push(p.message);
      break;
    case "spawn":
      raw.push(p.task, p.label);
      break;
    case "compaction":
      raw.push(event.detail?.summary);
      break;
    case "state_change":
      raw.push(p.value);
      break;
    default:
      break;
  }
  return raw.filter((value) => value !== undefined && value !== null);
}

function collectStrings(value: unknown, out: string[], depth: number): void {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (typeof value === "object" && value !== null && depth < WALK.maxDepth) {
    if (Array.isArray(value)) for (const item of value) collectStrings(item, out, depth + 1);
    else
      for (const [key, item] of Object.entries(value)) {
        out.push(key);
        collectStrings(item, out, depth + 1);
      }
  }
}

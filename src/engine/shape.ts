import { itemsCutOnRead, lengthBeforeCut, REDACT_MARGIN } from "../contract/cut-mark.js";
import type { Redactor } from "./redact.js";
import { isSensitiveKey } from "./secret-names.js";

export type ShapeOptions = {
  /** Redact credential-like strings (callers below confidential clearance). */
  redactor?: Redactor;
  maxFieldChars: number;
  maxDepth: number;
  maxItems: number;
};

export type Shaped = { value: unknown; truncated: boolean; redacted: boolean };

const IMAGE_TYPES = new Set(["image", "input_image", "image_url", "base64"]);
const DATA_URI = /^data:[a-z]+\/[a-z0-9.+-]+;base64,/i;
export const IMAGE_OMITTED = "[image data omitted]";

/**
 * Makes a payload safe and small: image data removed, secrets redacted (before cutting, so no secret is
 * half-shown), long strings cut with a marker, deep or wide structures bounded. Never recurses deeper
 * than maxDepth, so hostile nesting cannot exhaust the stack.
 */
export function shapeValue(input: unknown, options: ShapeOptions): Shaped {
  const state = { truncated: false, redacted: false };

  const shapeString = (text: string, key: string | undefined): string => {
    if (options.redactor && key !== undefined && text.length > 0 && isSensitiveKey(key, text)) {
      state.redacted = true;
      return "[REDACTED:sensitive_field]";
    }
    if (DATA_URI.test(text)) return IMAGE_OMITTED;
    const max = options.maxFieldChars;
    let out = text.length > max ? text.slice(0, max + REDACT_MARGIN) : text;
    if (options.redactor) {
      const result = options.redactor(out);
      if (result.redacted) state.redacted = true;
      out = result.text;
    }
    if (text.length > max) {
      state.truncated = true;
      out = `${out.slice(0, max)}…[truncated: ${lengthBeforeCut(text) - max} more chars]`;
    }
    return out;
  };

  const walk = (value: unknown, depth: number, key: string | undefined): unknown => {
    if (typeof value === "string") return shapeString(value, key);
    // whatever a field named like a secret holds (a list of keys, an object, a PIN as a number) is a secret
    if (options.redactor && key !== undefined && value !== null && value !== undefined && typeof value !== "boolean" && isSensitiveKey(key, value)) {
      state.redacted = true;
      return "[REDACTED:sensitive_field]";
    }
    if (typeof value !== "object" || value === null) return value;
    if (depth >= options.maxDepth) {
      state.truncated = true;
      return "…[nested too deep]";
    }
    // copy on write: a value whose parts all come back unchanged is given back itself, not copied
    if (Array.isArray(value)) {
      const kept = Math.min(value.length, options.maxItems);
      let items: unknown[] | undefined;
      for (let i = 0; i < kept; i++) {
        const item = walk(value[i], depth + 1, undefined);
        if (items) items.push(item);
        else if (item !== value[i]) items = [...value.slice(0, i), item];
      }
      if (value.length > options.maxItems) {
        state.truncated = true;
        items ??= value.slice(0, kept);
        items.push(`…[${trueCount(value.length, itemsCutOnRead(value)) - options.maxItems} more items]`);
      }
      return items ?? value;
    }
    const record = value as Record<string, unknown>;
    const isImage = IMAGE_TYPES.has(record.type as string) && ("data" in record || "image_url" in record);
    const names = Object.keys(record);
    const kept = Math.min(names.length, options.maxItems);
    const copyOfFirst = (n: number): Record<string, unknown> => {
      const copy: Record<string, unknown> = {};
      for (const name of names.slice(0, n)) setOwn(copy, name, record[name]);
      return copy;
    };
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < kept; i++) {
      const name = names[i]!;
      const item = record[name];
      const shapedKey = options.redactor ? redactKey(name, options.redactor, state) : name;
      const shaped = isImage && (name === "data" || name === "image_url") ? IMAGE_OMITTED : walk(item, depth + 1, name);
      if (!out && (shaped !== item || shapedKey !== name)) out = copyOfFirst(i);
      if (out) setOwn(out, shapedKey, shaped);
    }
    if (names.length > kept) {
      state.truncated = true;
      out ??= copyOfFirst(kept);
      out["…"] = `[${trueCount(names.length, itemsCutOnRead(record, names)) - kept} more fields]`;
    }
    return out ?? record;
  };

  const value = walk(input, 0, undefined);
  return { value, ...state };
}

/** How many items a container had in its transcript: those read, less the cut mark if any, plus what it stands for. */
function trueCount(read: number, cutOnRead: number): number {
  return cutOnRead > 0 ? read - 1 + cutOnRead : read;
}

/** Sets a property, also for the name "__proto__", which plain assignment would treat specially. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Field names redacted, per redactor: the same few names come back in every payload. */
const redactedNames = new WeakMap<Redactor, Map<string, { text: string; redacted: boolean }>>();
const MAX_NAMES_KEPT = 20_000;

function redactKey(name: string, redactor: Redactor, state: { redacted: boolean }): string {
  let names = redactedNames.get(redactor);
  if (!names) redactedNames.set(redactor, (names = new Map()));
  let result = names.get(name);
  if (!result) {
    result = redactor(name);
    if (names.size >= MAX_NAMES_KEPT) names.clear();
    if (name.length <= 256) names.set(name, result);
  }
  if (result.redacted) state.redacted = true;
  return result.text;
}

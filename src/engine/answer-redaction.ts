/**
 * The last step of every answer (a page, a state, a session listing): every string in it, object keys
 * included, passes the caller's redactor, whatever field it sits in (a group's model, a state's model,
 * an entry id, a note quoting the transcript). Payloads shaped for the caller were redacted already
 * (and marked so), so they are not redacted twice.
 */
import type { Principal } from "./principal.js";
import type { Redactor } from "./redact.js";
import { setOwn } from "./shape.js";

/** Objects every string of which has passed this redactor (a shaped payload). */
const redactedBy = new WeakMap<object, Redactor>();

/** Notes that every string in `value` (keys included) has passed `redactor`, so the last step skips it. */
export function markRedacted(value: unknown, redactor: Redactor | undefined): void {
  if (redactor && typeof value === "object" && value !== null) redactedBy.set(value, redactor);
}

/** The redactor for this caller: none at confidential clearance. */
export function redactorFor(ctx: { principal: Pick<Principal, "clearance">; policy: { redactor: Redactor } }): Redactor | undefined {
  return ctx.principal.clearance === "confidential" ? undefined : ctx.policy.redactor;
}

/**
 * The answer with every string redacted, copied only where something changed (an answer whose strings
 * are all clean is given back itself).
 */
export function redactAnswer<T>(answer: T, redactor: Redactor | undefined): T {
  if (!redactor) return answer;
  // the same short strings (session keys, agent ids, tool names) come back many times in one answer
  const seen = new Map<string, string>();
  const text = (value: string): string => {
    let out = seen.get(value);
    if (out === undefined) {
      out = redactor(value).text;
      if (value.length <= 256) seen.set(value, out);
    }
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (typeof value !== "object" || value === null || redactedBy.get(value) === redactor) return value;
    if (Array.isArray(value)) {
      let items: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = walk(value[i]);
        if (items) items.push(item);
        else if (item !== value[i]) items = [...value.slice(0, i), item];
      }
      return items ?? value;
    }
    const record = value as Record<string, unknown>;
    const names = Object.keys(record);
    let out: Record<string, unknown> | undefined;
    for (const [i, name] of names.entries()) {
      const item = walk(record[name]);
      const key = text(name);
      if (!out && (item !== record[name] || key !== name)) {
        out = {};
        for (const before of names.slice(0, i)) setOwn(out, before, record[before]);
      }
      if (out) setOwn(out, key, item);
    }
    return out ?? record;
  };
  return walk(answer) as T;
}

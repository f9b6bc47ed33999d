import { describe, expect, it } from "vitest";
import { CUT_KEEPS_MORE_THAN_CHARS } from "../src/contract/cut-mark.js";
import { INPUT_LIMITS } from "../src/contract/query-input.js";
import { shapeValue } from "../src/engine/shape.js";
import { createRedactor } from "../src/engine/redact.js";

const OPTIONS = { maxFieldChars: 20, maxDepth: 4, maxItems: 3 };

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

describe("shapeValue", () => {
  it("gives back a payload that needs nothing cut or redacted as it is, without copying it", () => {
    const payload = deepFreeze({ role: "user", content: [{ type: "text", text: "short" }], usage: { input: 3, cost: 0.01 }, ok: true, none: null });
    const shaped = shapeValue(payload, { ...OPTIONS, maxItems: 10 });
    expect(shaped).toEqual({ value: payload, truncated: false, redacted: false });
    expect(shaped.value).toBe(payload);
  });

  it("copies only the path to what it changes, never touching the input (frozen here)", () => {
    const untouched = { a: 1 };
    const payload = deepFreeze({ keep: untouched, list: [untouched, { text: "x".repeat(50) }], tail: "t" });
    const { value, truncated } = shapeValue(payload, OPTIONS) as { value: typeof payload; truncated: boolean };
    expect(truncated).toBe(true);
    expect(value).not.toBe(payload);
    expect(value.keep).toBe(untouched);
    expect(value.list[0]).toBe(untouched);
    expect(value.list[1]).toEqual({ text: `${"x".repeat(20)}…[truncated: 30 more chars]` });
    expect(value.tail).toBe("t");
    expect(Object.keys(value)).toEqual(["keep", "list", "tail"]);
  });

  it("cuts wide arrays and objects after maxItems, saying how many more, and keeps a __proto__ key as data", () => {
    const payload = deepFreeze(JSON.parse('{"__proto__":{"polluted":1},"b":[1,2,3,4,5],"c":3,"d":4,"e":5}') as Record<string, unknown>);
    const { value } = shapeValue(payload, OPTIONS) as { value: Record<string, unknown> };
    expect(Object.keys(value)).toEqual(["__proto__", "b", "c", "…"]);
    expect(Object.hasOwn(value, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(value.b).toEqual([1, 2, 3, "…[2 more items]"]);
    expect(value["…"]).toBe("[2 more fields]");
  });

  it("counts what an array or object cut on read lost (its mark never reaches a page)", () => {
    const array = [1, 2, 3, 4, "\u0000[cut on read: 996 more items]"]; // 1,000 items, 4 kept on read
    const object = { a: 1, b: 2, c: 3, d: 4, "\u0000[cut on read: 16 more items]": null }; // 20 fields
    const { value, truncated } = shapeValue({ array, object }, OPTIONS) as { value: { array: unknown[]; object: Record<string, unknown> }; truncated: boolean };
    expect(truncated).toBe(true);
    expect(value.array).toEqual([1, 2, 3, "…[997 more items]"]);
    expect(value.object).toEqual({ a: 1, b: 2, c: 3, "…": "[17 more fields]" });
  });

  it("never looks at more of a string than a string cut on read keeps (so a cut mark never reaches a page)", () => {
    const seen: number[] = [];
    const redactor = (text: string) => {
      seen.push(text.length);
      return { text, redacted: false };
    };
    const long = "x".repeat(CUT_KEEPS_MORE_THAN_CHARS * 2);
    const { value, truncated } = shapeValue({ text: long }, { ...OPTIONS, maxFieldChars: INPUT_LIMITS.maxFieldChars, redactor });
    expect(truncated).toBe(true);
    expect((value as { text: string }).text.startsWith("x".repeat(INPUT_LIMITS.maxFieldChars))).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(CUT_KEEPS_MORE_THAN_CHARS); // what shaping reads (redacts) of the field
  });

  it("redacts below confidential clearance, copying what it redacts", () => {
    const payload = deepFreeze({ args: { apiKey: "sk-live-1234567890", path: "a.txt" } });
    const { value, redacted } = shapeValue(payload, { ...OPTIONS, redactor: createRedactor() }) as { value: typeof payload; redacted: boolean };
    expect(redacted).toBe(true);
    expect(value.args).toEqual({ apiKey: "[REDACTED:sensitive_field]", path: "a.txt" });
    expect(payload.args.apiKey).toBe("sk-live-1234567890");
  });
});

/** A stream message's JSON reads as TextDecoder + JSON.parse read it (parseJson decodes a Buffer view instead). */
import { describe, expect, it } from "vitest";
import { parseJson } from "../src/sources/jetstream/records.js";

const viewOf = (bytes: number[] | string, offset = 7): Uint8Array => {
  const body = typeof bytes === "string" ? [...Buffer.from(bytes)] : bytes;
  // (a view into a larger buffer, as the client hands a message's data)
  const whole = new Uint8Array(offset + body.length + 5).fill(0x20);
  whole.set(body, offset);
  return whole.subarray(offset, offset + body.length);
};
const asBefore = (bytes: Uint8Array): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
};

describe("parseJson", () => {
  it("reads what TextDecoder reads: multi-byte text, a byte order mark, bad UTF-8, not JSON, nothing", () => {
    const cases = [
      viewOf(JSON.stringify({ text: "naïve ✓ 😀 中文", n: 1 })),
      viewOf([0xef, 0xbb, 0xbf, ...Buffer.from('{"bom":true}')]),
      viewOf([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc3, 0x22, 0x7d]),
      viewOf("not json"),
      viewOf([]),
    ];
    for (const bytes of cases) expect(parseJson(bytes)).toEqual(asBefore(bytes));
    expect(parseJson(cases[1])).toEqual({ bom: true });
    expect(parseJson(undefined)).toBeUndefined();
  });
});

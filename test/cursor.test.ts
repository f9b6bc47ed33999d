import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CursorCodec, type CursorState } from "../src/engine/cursor.js";

const states: fc.Arbitrary<CursorState> = fc.record(
  {
    since: fc.integer({ min: 0, max: 2e12 }),
    until: fc.integer({ min: 0, max: 2e12 }),
    after: fc.record({ ts: fc.integer({ min: 0, max: 2e12 }), key: fc.string({ unit: "grapheme", maxLength: 80 }), sid: fc.uuid(), seq: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
    held: fc.array(fc.record({ tag: fc.string({ minLength: 8, maxLength: 8 }), ts: fc.integer({ min: 0, max: 2e12 }), seq: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { minLength: 1, maxLength: 5 }),
  },
  { requiredKeys: [] },
);
const fingerprints = fc.string({ minLength: 1, maxLength: 30 });

describe("cursors", () => {
  it("know their length before they are sealed", () => {
    const codec = new CursorCodec("length-secret");
    fc.assert(
      fc.property(fingerprints, states, (f, state) => {
        expect(codec.encodedLength(f, state)).toBe(codec.encode(f, state).length);
      }),
      { numRuns: 300 },
    );
  });

  it("give back what they carry from the codec that issued them as opening them would, and only to the same query", () => {
    fc.assert(
      fc.property(fingerprints, fingerprints, states, (f, other, state) => {
        const issuer = new CursorCodec("shared-secret");
        const cursor = issuer.encode(f, state);
        const opened = new CursorCodec("shared-secret").decode(f, cursor); // another process: opens it
        expect(issuer.decode(f, cursor)).toEqual(opened);
        expect(opened).toEqual({ since: state.since, until: state.until, after: state.after, held: state.held });
        if (other !== f) expect(() => issuer.decode(other, cursor)).toThrow(/different query or caller/);
      }),
      { numRuns: 200 },
    );
  });
});

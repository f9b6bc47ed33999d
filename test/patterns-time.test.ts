import { describe, expect, it } from "vitest";
import { QueryError } from "../src/engine/errors.js";
import { matchesAnyPattern, matchesPattern } from "../src/engine/patterns.js";
import { parseTimeBound, resolveWindow } from "../src/engine/time.js";

describe("session key patterns", () => {
  const cases: Array<[string, string, boolean]> = [
    ["agent:main:*", "agent:main:main", true],
    ["agent:main:*", "agent:main:telegram:dm:821071206", true], // * crosses ":"
    ["agent:main:*", "agent:mainframe:main", false],
    ["agent:*:main", "agent:work:main", true],
    ["*:subagent:*", "agent:main:subagent:5f0c", true],
    ["AGENT:Main:*", "agent:main:cron:x", true], // case-insensitive
    ["agent:main:main", "agent:main:main:thread:1", false], // literal without *
    ["agent.main.*", "agent:main:x", false], // "." is literal, not a regex wildcard
    ["agent:main:[a-z]", "agent:main:b", false], // brackets are literal too
    ["*", "", true],
    ["", "", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
  ];
  it.each(cases)("%j against %j is %s", (pattern, key, expected) => {
    expect(matchesPattern(pattern, key)).toBe(expected);
  });

  it("is a union over a list", () => {
    expect(matchesAnyPattern(["agent:work:*", "agent:main:cron:*"], "agent:main:cron:daily")).toBe(true);
    expect(matchesAnyPattern(["agent:work:*", "agent:main:cron:*"], "agent:main:main")).toBe(false);
  });

  it("stays linear on a hostile pattern (no regex backtracking blow-up)", () => {
    const pattern = `${"*a".repeat(120)}b`;
    const key = "a".repeat(256);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) expect(matchesPattern(pattern, key)).toBe(false);
    // generous bound: the exponential regex equivalent would not finish at all
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(5000);
  });
});

describe("time bounds", () => {
  const now = Date.parse("2026-11-20T12:00:00Z");
  const ok: Array<[string | number, number]> = [
    ["2026-02-15T10:00:00Z", Date.parse("2026-02-15T10:00:00Z")],
    ["2026-02-15T10:00:00.250+02:00", Date.parse("2026-02-15T08:00:00.250Z")],
    ["2026-02-15T10:00:00", Date.parse("2026-02-15T10:00:00Z")], // no zone means UTC
    ["2026-02-15 10:00", Date.parse("2026-02-15T10:00:00Z")],
    ["2026-02-15", Date.parse("2026-02-15T00:00:00Z")],
    [1739613600000, 1739613600000],
    ["1739613600000", 1739613600000],
    ["30s", now - 30_000],
    ["15m", now - 15 * 60_000],
    ["1h", now - 3_600_000],
    ["7d", now - 7 * 86_400_000],
    ["2 days", now - 2 * 86_400_000],
    [" 1h ", now - 3_600_000],
  ];
  it.each(ok)("reads %j", (value, expected) => {
    expect(parseTimeBound("since", value, now)).toBe(expected);
  });

  const bad: Array<string | number> = ["yesterday", "-1h", "1 fortnight", "2026-13-45", "2026-02-30T25:00:00Z", "", "1e3", -5, 1.5, Number.NaN, 9e15, "99999999999 years"];
  it.each(bad)("rejects %j with the value and the accepted forms", (value) => {
    let error: unknown;
    try {
      parseTimeBound("until", value, now);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toContain(`until: ${JSON.stringify(value)}`);
    expect((error as Error).message).toContain('ISO-8601 ("2026-02-15T10:00:00Z"), epoch milliseconds (1739613600000), or a duration before now');
  });

  it("rejects an empty window", () => {
    expect(() => resolveWindow("1h", "2h", now)).toThrow(/since \(2026-11-20T11:00:00\.000Z\) must be before until \(2026-11-20T10:00:00\.000Z\)/);
    expect(resolveWindow(undefined, undefined, now)).toEqual({});
  });
});

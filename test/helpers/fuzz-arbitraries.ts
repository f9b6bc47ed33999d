/** fast-check arbitraries for the hostile-input tests: tool arguments, garbage lines, hostile JSON. */
import fc from "fast-check";
import { GROUP_KEYS } from "../../src/contract/groups.js";
import { TYPE_FILTER_NAMES } from "../../src/contract/type-filter.js";

/** Reproducible: FUZZ_SEED=<n> replays a run; the default keeps CI deterministic. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261120);

const json = fc.jsonValue({ maxDepth: 3 });
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 400 }));
/** A field's plausible values, its near misses, and anything at all. */
const field = (...good: Array<fc.Arbitrary<unknown>>) => fc.oneof({ weight: 3, arbitrary: fc.oneof(...good) }, { weight: 1, arbitrary: json });

const keyish = fc.oneof(
  fc.constantFrom("current", "CURRENT", "agent:main:main", "agent:main:*", "*", "**", "id-main", "id-other", "agent:main:other", "agent:nope:x", "", " ", "a".repeat(300)),
  anyString,
);
const timeish = fc.oneof(
  fc.constantFrom("1h", "30m", "2 days", "7d", "2026-01-01T00:00:00Z", "2026-13-45", "now", "-1h", "1e3", "", " ", "0", "99999999999999999999"),
  fc.integer({ min: -10, max: 9e15 }),
  fc.double(),
  anyString,
);
const typesish = fc.oneof(fc.subarray([...TYPE_FILTER_NAMES], { maxLength: 6 }), fc.array(fc.oneof(fc.constantFrom(...TYPE_FILTER_NAMES), anyString), { maxLength: 40 }));
/** A follow wait that is either invalid or short: a valid long one would (rightly) wait that long. */
const waitish = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 25_001 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), anyString, fc.constant(null));

const commonFields = (cursors: readonly string[]) => ({
  types: field(typesish),
  since: field(timeish),
  until: field(timeish),
  limit: field(fc.integer({ min: -5, max: 2000 }), fc.double()),
  order: field(fc.constantFrom("asc", "desc", "ASC", "")),
  groupBy: field(fc.subarray([...GROUP_KEYS], { maxLength: 3 }), fc.array(anyString, { maxLength: 3 })),
  fields: field(fc.array(fc.oneof(fc.constantFrom("text", "args", "toolName", "role", "__proto__"), anyString), { maxLength: 40 })),
  maxFieldChars: field(fc.integer({ min: 0, max: 200_000 })),
  generations: field(fc.constantFrom("current", "all", "none")),
  cursor: field(fc.constantFrom("", ".", ...cursors), anyString),
  text: field(fc.constantFrom("main", "hello world", '"intact 1"', "int*", "É", "*", '"', "", " ", "a*b*c", "x".repeat(501)), anyString),
});

/** Extra fields no schema knows, mixed in now and then. */
const extras = fc.option(fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "sessionkey", "extra"), fc.string({ maxLength: 12 })), json, { maxKeys: 3 }), { freq: 3 });

function withExtras(known: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(known, extras).map(([args, extra]) => {
    const out: Record<string, unknown> = { ...args };
    for (const [k, v] of Object.entries(extra ?? {})) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

/** Arguments the schema accepts, field by field (their combinations may still be refused by the engine). */
function validArguments(cursors: readonly string[]) {
  const key = fc.constantFrom("current", "CURRENT", "agent:main:main", "AGENT:MAIN:MAIN", "id-main", "main", "agent:main:nope", "agent:main:*", "*", "id-main ");
  const time = fc.oneof(fc.constantFrom("1h", "2 days", "90m", "2026-10-01T12:00:00Z", "2026-10-01 12:00", "0", "1790000000000"), fc.integer({ min: 0, max: 2e12 }));
  const common = {
    types: fc.subarray([...TYPE_FILTER_NAMES], { maxLength: 5 }),
    since: time,
    until: time,
    limit: fc.integer({ min: 1, max: 600 }),
    order: fc.constantFrom("asc", "desc"),
    groupBy: fc.subarray([...GROUP_KEYS], { minLength: 1, maxLength: 2 }),
    fields: fc.subarray(["text", "args", "toolName", "role", "__proto__", "thinking"], { maxLength: 3 }),
    maxFieldChars: fc.integer({ min: 16, max: 100_000 }),
    waitMs: fc.integer({ min: 0, max: 30 }),
    generations: fc.constantFrom("current", "all"),
    cursor: fc.constantFrom(...cursors, "not-a-cursor"),
  };
  /** Up to three of the fields at a time: more, and nearly every call combines two that do not go together. */
  const sometimes = (record: Record<string, fc.Arbitrary<unknown>>) =>
    fc
      .subarray(Object.keys(record), { maxLength: 3 })
      .chain((keys) => fc.tuple(...keys.map((k) => record[k]!)).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))));
  return {
    session_events: sometimes({
      sessionKey: key,
      eventId: fc.constantFrom("id-main:1", "id-main:5", "id-main:99", "nope:1"),
      offset: fc.integer({ min: 0, max: 50 }),
      ...common,
    } as Record<string, fc.Arbitrary<unknown>>),
    sessions_events: sometimes({
      sessionKey: fc.oneof(key, fc.array(key, { minLength: 1, maxLength: 4 })),
      agentId: fc.constantFrom("main", "*", "m*", "other"),
      spawnedBy: key,
      descendants: fc.boolean(),
      ...common,
    } as Record<string, fc.Arbitrary<unknown>>),
    session_state: sometimes({
      sessionKey: key,
      atSeq: fc.integer({ min: 0, max: 30 }),
      at: time,
      lastMessages: fc.integer({ min: 0, max: 50 }),
      generations: common.generations,
    } as Record<string, fc.Arbitrary<unknown>>),
  };
}

/** Half schema-valid arguments (to reach the engine), half hostile ones (to exercise the schema). */
export function toolArguments(cursors: readonly string[]): Record<"session_events" | "sessions_events" | "session_state", fc.Arbitrary<Record<string, unknown>>> {
  const valid = validArguments(cursors);
  const hostile = hostileArguments(cursors);
  return {
    session_events: fc.oneof(valid.session_events, hostile.session_events),
    sessions_events: fc.oneof(valid.sessions_events, hostile.sessions_events),
    session_state: fc.oneof(valid.session_state, hostile.session_state),
  };
}

function hostileArguments(cursors: readonly string[]): Record<"session_events" | "sessions_events" | "session_state", fc.Arbitrary<Record<string, unknown>>> {
  const common = commonFields(cursors);
  return {
    session_events: withExtras(
      fc.record(
        {
          sessionKey: field(keyish),
          eventId: field(fc.constantFrom("id-main:1", "id-main:3", "id-main:999", "id-other:1", "a:b", ":1", "id-main:", "x"), anyString),
          offset: field(fc.integer({ min: -5, max: 100_000 })),
          waitMs: waitish,
          ...common,
        },
        { requiredKeys: [] },
      ),
    ),
    sessions_events: withExtras(
      fc.record(
        {
          sessionKey: field(keyish, fc.array(keyish, { maxLength: 25 })),
          agentId: field(fc.constantFrom("main", "*", "other", ""), anyString),
          spawnedBy: field(keyish),
          descendants: field(fc.boolean()),
          waitMs: waitish,
          ...common,
        },
        { requiredKeys: [] },
      ),
    ),
    session_state: withExtras(
      fc.record(
        {
          sessionKey: field(keyish),
          atSeq: field(fc.integer({ min: -3, max: 50 })),
          at: field(timeish),
          lastMessages: field(fc.integer({ min: -3, max: 60 })),
          generations: common.generations,
        },
        { requiredKeys: [] },
      ),
    ),
  };
}

/** Line kinds the normalizer knows: an object of any other `type` (or none, without a role) is skipped. */
export const KNOWN_LINE_TYPES = ["session", "message", "compaction", "model_change", "thinking_level_change", "label", "session_info", "custom", "custom_message", "branch_summary"];
const NEWLINE = 0x0a;

/**
 * A line that can never yield an event: random bytes, invalid UTF-8, cut JSON, unclosed or non-object
 * nesting, bare huge numbers, objects of unknown kind or prototype keys only. Never holds a newline.
 */
export function garbageLine(intact: readonly string[]): fc.Arbitrary<Buffer> {
  const text = (s: string) => Buffer.from(s, "utf8");
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b.filter((x) => x !== NEWLINE))),
    fc.uint8Array({ minLength: 1, maxLength: 60 }).map((b) => Buffer.concat([text('{"type":"message","message":{"role":"user","content":"'), Buffer.from(b.map((x) => 0x80 | x))])),
    fc.tuple(fc.constantFrom(...intact), fc.double({ min: 0, max: 1, noNaN: true })).map(([l, f]) => text(l.slice(0, Math.max(1, Math.floor(l.length * f) - 1)))),
    fc.integer({ min: 1, max: 3000 }).map((n) => text("[".repeat(n))),
    fc.integer({ min: 1, max: 3000 }).map((n) => text(`${"[".repeat(n)}${"]".repeat(n)}`)),
    fc.integer({ min: 1, max: 3000 }).map((n) => text(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`)),
    fc.constantFrom("1e400", "-1e400", "123456789012345678901234567890", "NaN", "Infinity", "null", "true", '"a string"', "[]", "{}", "", " ", "\t", "\r", "\u0000").map(text),
    fc.record({ type: fc.string({ maxLength: 20 }).filter((t) => !KNOWN_LINE_TYPES.includes(t)), data: json }).map((o) => text(JSON.stringify(o))),
    fc.constantFrom(
      '{"__proto__":{"type":"message","message":{"role":"user","content":"proto"}}}',
      '{"constructor":{"prototype":{"polluted":true}},"__proto__":{"polluted":true}}',
      '{"type":"message","message":"not an object"}',
      '{"type":"message","message":{"role":7,"content":"x"}}',
      '{"type":"message"}',
      '{"role":null,"content":"no role"}',
      "\ufeff{\"type\":\"session\"", // a BOM mid-file, then cut
    ).map(text),
  );
}

/** A JSON value for "wrong type in a field": every JSON type, odd numbers, prototype keys. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  json,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, "", "x".repeat(5000), [], {}, [[[]]]),
  // a fresh object each time (JSON.parse keeps "__proto__" an own key), never one shared between runs
  fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}').map((t) => JSON.parse(t) as unknown),
);

/**
 * One huge event fetched by id, part after part: the payload is redacted once, not once per part, and
 * the redaction does not hold the event loop for long (other callers go on being served). Redaction in
 * slices gives exactly what redacting the whole text gives, secrets across the slices' seams included.
 */
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedactor, type Redactor } from "../src/engine/redact.js";
import { redactLong, SLICE_CHARS } from "../src/engine/redact-long.js";
import { payloadCacheStats } from "../src/engine/query/payload-cache.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { header, toolResultLine } from "./helpers/pi-lines.js";
import { leaks, SECRET_CORPUS } from "./helpers/secret-corpus.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-09-03T08:00:00Z");
/** Prose with something for many patterns to look at (not a secret): slower to redact than plain words. */
const PROSE = "the token: is set, see https://example.com/a?b=c and --flag value; Bearer of news; password policy applies.\n";
const SIZE = 12_000_000;
const SECRET = SECRET_CORPUS.find((s) => s.kind === "github_ghp")!;

let store: TempStateDir;
beforeAll(() => {
  store = new TempStateDir("huge-payload-");
  const body = PROSE.repeat(Math.ceil(SIZE / PROSE.length)).slice(0, SIZE);
  const text = `${body.slice(0, SIZE / 2)} ${SECRET.text} ${body.slice(SIZE / 2)}`;
  store.registry("main", { "agent:main:big": { sessionId: "big", updatedAt: T0 } });
  store.transcript("main", "big.jsonl", [header("big", T0), toolResultLine(T0 + 1000, "c", "exec", text)]);
});
afterAll(() => store.remove());

/** A redactor that counts the characters it is given. */
function counting(redactor: Redactor): { redactor: Redactor; chars: { n: number } } {
  const chars = { n: 0 };
  return {
    chars,
    redactor: (text) => {
      chars.n += text.length;
      return redactor(text);
    },
  };
}

describe("a huge event fetched by id", () => {
  it("does not stall the event loop while its payload is redacted, and the next part is not redacted again", async () => {
    const base = contextFor(store.root, { clearance: "internal" });
    const { redactor, chars } = counting(base.policy.redactor);
    const ctx = { ...base, policy: { ...base.policy, redactor } };
    // what the source's read of the 12 MB line costs on its own (not ours to slice): at confidential nothing is redacted
    const confidential = contextFor(store.root, { clearance: "confidential" });
    await querySessionEvents(confidential, { eventId: "big:2" });

    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    const readOnly = await stall(() => querySessionEvents(confidential, { eventId: "big:2", offset: 1 }));
    longest = 0;
    last = performance.now();
    const first = await querySessionEvents(ctx, { eventId: "big:2" });
    clearInterval(timer);
    const firstStall = longest;
    // redacting 12 MB takes seconds here; in slices, no wait much longer than the source's own read of the line
    expect(firstStall, `longest wait ${firstStall.toFixed(0)} ms, the read alone ${readOnly.toFixed(0)} ms`).toBeLessThan(readOnly + 400);

    expect(first.events[0]!.redacted).toBe(true);
    const shapedBefore = payloadCacheStats.shaped;
    const redactedBefore = chars.n;
    const part = first.events[0]!.payload as { json: string; nextOffset: number };
    const second = await querySessionEvents(ctx, { eventId: "big:2", offset: part.nextOffset });
    expect((second.events[0]!.payload as { offset: number }).offset).toBe(part.nextOffset);
    expect(second.events[0]!.redacted).toBe(true);
    // the second part: served from the first's work (only the page's own small strings are redacted)
    expect(payloadCacheStats.shaped).toBe(shapedBefore);
    expect(chars.n - redactedBefore).toBeLessThan(100_000);
    // redacting 12 MB takes seconds here; in slices, no wait much longer than the source's own read of the line
  }, 120_000);

  it("the secret in it is redacted, and shows at confidential", async () => {
    const find = async (clearance: "internal" | "confidential") => {
      const ctx = contextFor(store.root, { clearance });
      const middle = Math.floor(SIZE / 2) + 20;
      let json = "";
      for (let offset: number | undefined = Math.max(0, middle - 60_000), i = 0; offset !== undefined && offset < middle + 60_000 && i < 10; i++) {
        const payload = (await querySessionEvents(ctx, { eventId: "big:2", offset })).events[0]!.payload as { json: string; nextOffset?: number };
        json += payload.json;
        offset = payload.nextOffset;
      }
      return leaks(json, [SECRET.secret]);
    };
    expect(await find("internal")).toEqual([]);
    expect(await find("confidential")).not.toEqual([]);
  }, 120_000);
});

/** The longest the event loop waited while `work` ran. */
async function stall(work: () => Promise<unknown>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  await work();
  clearInterval(timer);
  return Math.max(longest, performance.now() - last);
}

describe("redaction in slices", () => {
  const redactor = createRedactor();
  const filler = (n: number, withBreaks: boolean) => (withBreaks ? "lorem ipsum dolor sit amet\n" : "loremipsumdolorsitamet-").repeat(Math.ceil(n / 23)).slice(0, n);

  for (const withBreaks of [true, false]) {
    it(`gives what redacting the whole text gives, secrets across every seam (${withBreaks ? "line breaks" : "no white space"})`, async () => {
      for (const sample of SECRET_CORPUS) {
        // the secret's middle right at each place a slice would end
        const pieces: string[] = [];
        let length = 0;
        for (let k = 1; k <= 2; k++) {
          const gap = k * SLICE_CHARS - length - Math.floor(sample.text.length / 2);
          pieces.push(filler(gap - 1, withBreaks), " ", sample.text, " ");
          length += gap + sample.text.length + 1;
        }
        pieces.push(filler(1000, withBreaks));
        const text = pieces.join("");
        const sliced = await redactLong(text, redactor);
        expect(sliced.text === redactor(text).text, sample.kind).toBe(true);
        expect(leaks(sliced.text, [sample.secret]), sample.kind).toEqual([]);
      }
    }, 120_000);
  }

  it("costs about what whole redaction costs, also on a long text without white space", async () => {
    const text = "y".repeat(20_000_000);
    const started = performance.now();
    redactor(text);
    const whole = performance.now() - started;
    const begun = performance.now();
    await redactLong(text, redactor);
    expect(performance.now() - begun).toBeLessThan(4 * whole + 500);
  }, 120_000);

  it("an unterminated private key redacts the rest of the text, however long", async () => {
    const key = SECRET_CORPUS.find((s) => s.kind === "private_key_unterminated")!;
    const text = `${filler(SLICE_CHARS - 100, true)}${key.text}\n${filler(3 * SLICE_CHARS, true)}`;
    const sliced = await redactLong(text, redactor);
    expect(sliced.text).toBe(redactor(text).text);
  });
});

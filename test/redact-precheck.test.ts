/**
 * The redactor's pre-check (secretKindsIn) may name kinds of patterns that do not match, but never
 * leaves out the kind of one that does (and so never answers "none" where one matches): on every
 * pattern kind's generated secrets, every case variant of the case-insensitive keywords, seeded text
 * with secrets at random positions (near-misses and unicode around them), the text the bench store is
 * made of and, when present, the bench store itself. The redactor's output is the same as running
 * every pattern, byte for byte.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPools, Rng } from "../bench/gen-random.js";
import { createRedactor, PATTERNS } from "../src/engine/redact.js";
import { KINDS_LOOKED_FOR, secretKindsIn } from "../src/engine/secret-precheck.js";
import { caseVariants, KEYWORDS, nearMiss, SECRET_GENERATORS, SecretGen } from "./helpers/secret-samples.js";

const redactor = createRedactor();
const mayHoldSecret = (text: string) => secretKindsIn(text).size > 0;

/** Whether any built-in pattern matches, each tried on its own. */
function anyPatternMatches(text: string): boolean {
  return PATTERNS.some(({ regex }) => {
    regex.lastIndex = 0;
    const hit = regex.test(text);
    regex.lastIndex = 0;
    return hit;
  });
}

/** What redaction must give: every pattern in turn, no pre-check. */
function redactEveryPattern(input: string): { text: string; redacted: boolean } {
  let text = input;
  let redacted = false;
  for (const { kind, regex, keepPrefix } of PATTERNS) {
    regex.lastIndex = 0;
    const out = text.replace(regex, (...match: unknown[]) => (keepPrefix ? `${match[1] as string}[REDACTED:${kind}]` : `[REDACTED:${kind}]`));
    regex.lastIndex = 0;
    if (out !== text) redacted = true;
    text = out;
  }
  return { text, redacted };
}

/** The kinds of the patterns that match `text`, each tried on its own. */
function kindsMatching(text: string): string[] {
  return PATTERNS.filter(({ regex }) => {
    regex.lastIndex = 0;
    const hit = regex.test(text);
    regex.lastIndex = 0;
    return hit;
  }).map((p) => p.kind);
}

/** What the pre-check got wrong on `texts`: the kind of a pattern that matches left out (empty when it is sound). */
function missed(texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const matching = kindsMatching(text);
    if (matching.length === 0) continue;
    const named = secretKindsIn(text);
    for (const kind of matching) if (!named.has(kind)) out.push(`${kind} left out on ${JSON.stringify(text)}`);
  }
  return out;
}

const pools = buildPools(1);
const UNICODE = ["é", "ü", "日本語", "🙂", "—", "…", "\u00a0", "\u2028", "ſ", "\u212a", "İ", "ﬀ", "\u0000", "\ud83d"];

/** Text around a secret: bench prose, code, logs, unicode, JSON-ish quoting, or nothing. */
function around(g: SecretGen): string {
  switch (g.rng.int(0, 6)) {
    case 0:
      return "";
    case 1:
      return g.pick(pools.sentences);
    case 2:
      return g.pick(pools.codeLines);
    case 3:
      return g.pick(pools.logLines);
    case 4:
      return g.pick(UNICODE);
    case 5:
      return g.pick([" ", "\n", '"', "'", "=", ":", "(", "[", "/", "?", "&", "-", "_", ".", "\\n"]);
    default:
      return `${g.pick(pools.sentences)} ${g.pick(UNICODE)}`;
  }
}

describe("the secret pre-check", () => {
  it("has a generator for every built-in pattern kind, and the generated secrets match their pattern", () => {
    expect(PATTERNS.map((p) => p.kind).filter((kind) => !(kind in SECRET_GENERATORS))).toEqual([]);
    expect([...KINDS_LOOKED_FOR].sort()).toEqual(PATTERNS.map((p) => p.kind).sort());
    const g = new SecretGen(new Rng(27));
    for (const { kind, regex } of PATTERNS) {
      let matched = 0;
      for (let i = 0; i < 200; i++) {
        regex.lastIndex = 0;
        if (regex.test(SECRET_GENERATORS[kind]!(g))) matched++;
      }
      regex.lastIndex = 0;
      expect(matched, kind).toBeGreaterThanOrEqual(180);
    }
  });

  it("sees every pattern kind's secrets on their own", () => {
    const g = new SecretGen(new Rng(28));
    for (const { kind } of PATTERNS) {
      const samples = Array.from({ length: 500 }, () => SECRET_GENERATORS[kind]!(g));
      expect(missed(samples), kind).toEqual([]);
    }
  });

  it("sees every case variant of the case-insensitive patterns' keywords", () => {
    const rng = new Rng(29);
    const g = new SecretGen(rng);
    for (const [kind, words] of Object.entries(KEYWORDS)) {
      const pattern = PATTERNS.find((p) => p.kind === kind)!;
      expect(pattern.regex.ignoreCase, kind).toBe(true);
      for (const word of words) {
        const texts: string[] = [];
        for (const variant of caseVariants(word, rng)) {
          // the generator's secret with its keyword replaced by this spelling
          const secret = SECRET_GENERATORS[kind]!(g);
          const at = secret.toLowerCase().indexOf(word.toLowerCase());
          texts.push(at < 0 ? `${variant}=${secret}` : secret.slice(0, at) + variant + secret.slice(at + word.length));
        }
        expect(missed(texts), `${kind} ${word}`).toEqual([]);
      }
    }
  });

  it("names every kind in text thick with near-secrets (past the places it tries one by one)", () => {
    const g = new SecretGen(new Rng(31));
    const fillers = ["sk-", "ya29.:", "ghp_", "token= ", "a://b:", "AKIA", "?sig=", "x.eyJ", "--pass "];
    const texts: string[] = [];
    for (const { kind } of PATTERNS) {
      for (const filler of fillers) {
        const secret = SECRET_GENERATORS[kind]!(g);
        texts.push(`${filler.repeat(40)} ${secret} ${filler.repeat(3)}`, `${filler.repeat(40)}\n${secret}`);
      }
    }
    expect(missed(texts)).toEqual([]);
    for (const text of texts) expect(redactor(text)).toEqual(redactEveryPattern(text));
  });

  it("is true wherever a pattern matches in seeded text with secrets at random places, and redacts as every pattern does", () => {
    const g = new SecretGen(new Rng(30));
    const kinds = PATTERNS.map((p) => p.kind);
    let holding = 0;
    let passedOver = 0;
    for (let i = 0; i < 30_000; i++) {
      const parts = [around(g)];
      for (let n = g.rng.int(0, 3); n > 0; n--) {
        const secret = SECRET_GENERATORS[g.pick(kinds)]!(g);
        parts.push(g.rng.chance(0.3) ? nearMiss(g, secret) : secret, around(g));
      }
      const text = parts.join(g.pick(["", " ", "\n", '"', ", "]));
      if (anyPatternMatches(text)) holding++;
      if (!mayHoldSecret(text)) passedOver++;
      expect(missed([text])).toEqual([]);
      expect(redactor(text), text).toEqual(redactEveryPattern(text));
    }
    expect(holding).toBeGreaterThan(10_000);
    expect(passedOver).toBeGreaterThan(3_000);
  });

  it("is false on most of the text the bench store is made of, and true on every piece of it a pattern matches", () => {
    const texts = [...pools.sentences, ...pools.codeLines, ...pools.logLines, ...pools.commands, ...pools.paths];
    expect(missed(texts)).toEqual([]);
    expect(texts.filter((t) => !mayHoldSecret(t)).length).toBeGreaterThan(texts.length * 0.8);
  });

  // the bench store's own strings, read where they are (REDACT_TEST_STORE, else where `npm run bench` puts it): a sample of its files
  const store = process.env.REDACT_TEST_STORE ?? join(import.meta.dirname, "..", ".bench-data", "store-1gb-5000s-300mb-10mb-seed1");
  it.runIf(existsSync(store))("is true on every string of the bench store a pattern matches, and redacts it as every pattern does", () => {
    let strings = 0;
    let bytes = 0;
    const walk = (value: unknown) => {
      if (typeof value === "string") {
        strings++;
        bytes += value.length;
        if (!mayHoldSecret(value) && anyPatternMatches(value)) expect.fail(`missed: ${JSON.stringify(value.slice(0, 500))}`);
        if (mayHoldSecret(value)) {
          expect(missed([value])).toEqual([]);
          expect(redactor(value)).toEqual(redactEveryPattern(value));
        }
      } else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) walk(item);
    };
    const files = readdirSync(join(store, "agents"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".jsonl")).sort();
    for (let i = 0; i < files.length && bytes < 24 * 1024 * 1024; i += 11) {
      const path = join(store, "agents", files[i]!);
      if (statSync(path).size > 20 * 1024 * 1024) continue;
      for (const line of readFileSync(path, "utf8").split("\n")) if (line.trim() !== "") walk(JSON.parse(line));
    }
    expect(strings).toBeGreaterThan(10_000);
  }, 300_000);
});

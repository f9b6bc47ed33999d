/**
 * The redactor's pre-check against the one it replaced (the alternation of every built-in pattern), on
 * the store section's text: every string of a sample of its transcript lines, as a payload walk hands
 * them to the redactor. Old and new alternate, round by round, so a busy machine slows both alike.
 */
import { readFileSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createRedactor, PATTERNS } from "../src/engine/redact.js";
import { secretKindsIn } from "../src/engine/secret-precheck.js";
import { markdownTable, median } from "./stats.js";
import { listTranscripts } from "./transcripts.js";

const MiB = 1024 * 1024;

/** The pre-check before: the alternation of the case-sensitive patterns, then of the others. */
function alternationOfEveryPattern(): (text: string) => boolean {
  const alternation = (ignoreCase: boolean) =>
    new RegExp(PATTERNS.filter((p) => p.regex.ignoreCase === ignoreCase).map((p) => `(?:${p.regex.source})`).join("|"), ignoreCase ? "i" : "");
  const caseSensitive = alternation(false);
  const ignoringCase = alternation(true);
  return (text) => caseSensitive.test(text) || ignoringCase.test(text);
}

/** Every string value of the lines of every `step`-th transcript (none over 64 MiB), up to `chars` characters. */
export function storeStrings(storeDir: string, chars: number, step = 7): { strings: string[]; chars: number } {
  const strings: string[] = [];
  let total = 0;
  const walk = (value: unknown) => {
    if (typeof value === "string") {
      strings.push(value);
      total += value.length;
    } else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) walk(item);
  };
  const files = listTranscripts(storeDir);
  for (let i = 0; i < files.length && total < chars; i += step) {
    if (statSync(files[i]!).size > 64 * MiB) continue;
    for (const line of readFileSync(files[i]!, "utf8").split("\n")) if (line !== "") walk(JSON.parse(line));
  }
  return { strings, chars: total };
}

type Check = (text: string) => boolean;

/** Million characters a second of `check` over `strings`, and the share of the characters in strings it said true on. */
function timeCheck(strings: readonly string[], chars: number, check: Check): { mcs: number; trueShare: number } {
  let trueChars = 0;
  const start = performance.now();
  for (const s of strings) if (check(s)) trueChars += s.length;
  const seconds = (performance.now() - start) / 1000;
  return { mcs: chars / 1e6 / seconds, trueShare: trueChars / chars };
}

export async function benchRedaction(storeDir: string, runs: number, log: (line: string) => void, millionChars = 64): Promise<string> {
  const { strings, chars } = storeStrings(storeDir, millionChars * 1e6);
  log(`redaction: ${strings.length} strings, ${(chars / 1e6).toFixed(1)} M characters`);
  const oldCheck = alternationOfEveryPattern();
  const redactor = createRedactor();
  // every pattern on every string the old pre-check let through: the redactor as it was (the "(?!)" only turns the pre-check off)
  const everyPattern = createRedactor(["(?!)"]);
  const rows: Array<[string, Check, Check]> = [
    ["pre-check", oldCheck, (t) => secretKindsIn(t).size > 0],
    ["whole redactor", (t) => oldCheck(t) && everyPattern(t).redacted, (t) => redactor(t).redacted],
  ];
  const out: string[][] = [];
  for (const [name, before, after] of rows) {
    const old: number[] = [];
    const now: number[] = [];
    let shares = [0, 0];
    for (let round = 0; round < runs; round++) {
      const a = timeCheck(strings, chars, before);
      const b = timeCheck(strings, chars, after);
      old.push(a.mcs);
      now.push(b.mcs);
      shares = [a.trueShare, b.trueShare];
      log(`  ${name} #${round + 1}: before ${a.mcs.toFixed(0)}, now ${b.mcs.toFixed(0)} M chars/s`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const [o, n] = [median(old), median(now)];
    out.push([name, o.toFixed(0), n.toFixed(0), `${(n / o).toFixed(1)}x`, `${(100 * shares[0]!).toFixed(1)}% / ${(100 * shares[1]!).toFixed(1)}%`]);
  }
  return [
    `bench/redaction-bench.ts: ${(chars / 1e6).toFixed(1)} M characters in ${strings.length} strings (every string of every 7th transcript of the store section's store), medians of ${runs} alternating rounds, million characters a second.`,
    "",
    markdownTable(["", "before (alternation of every pattern)", "now", "now vs before", "text said true on (before / now)"], out),
  ].join("\n");
}

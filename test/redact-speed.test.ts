/**
 * Hostile text cannot make redaction slow: for every pattern, runs of its own prefix glued by each
 * separator (the inputs that made some patterns restart a long scan at every position) redact in
 * time proportional to their length. The bound is generous; a pattern that restarts its scan takes
 * seconds to minutes on these inputs.
 */
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { createRedactor, PATTERNS } from "../src/engine/redact.js";

const PREFIXES = ["eyJ", "sk-", "ghp_", "glpat-", "xoxb-", "AIza", "ya29.", "SG.", "M", "a://", "a://b:", "password=", "Bearer ", "authorization: ", "cookie: a=", "--password ", "?token=", "1234567890:", "-----BEGIN PRIVATE KEY-----", "aws_secret_key=", "dp.pt."];
const SEPARATORS = ["", "-", ".", "_", " ", ":", "a", "A1", "/", "="];

describe("redaction speed on hostile text", () => {
  it("every pattern stays fast on 100 KB runs of its prefixes", () => {
    const slow: string[] = [];
    for (const { kind, regex } of PATTERNS) {
      for (const prefix of PREFIXES) {
        for (const separator of SEPARATORS) {
          const unit = prefix + separator;
          const text = unit.repeat(Math.ceil(100_000 / unit.length));
          let best = Infinity;
          for (let run = 0; run < 3 && best > 20; run++) {
            regex.lastIndex = 0;
            const start = performance.now();
            text.replace(regex, "");
            best = Math.min(best, performance.now() - start);
          }
          if (best > 20) slow.push(`${kind} on ${JSON.stringify(unit)}: ${best.toFixed(0)} ms`);
        }
      }
    }
    expect(slow).toEqual([]);
  }, 300_000);

  it("the whole redactor takes well under a second per megabyte of such text", () => {
    const redactor = createRedactor();
    const text = PREFIXES.map((p) => `${p}-`.repeat(Math.ceil(50_000 / p.length))).join("");
    const start = performance.now();
    redactor(text);
    expect((performance.now() - start) / (text.length / 1e6)).toBeLessThan(1000);
  }, 60_000);
});

/**
 * Seeded randomness and text for the store generator: a small fast PRNG (no Math.random) and pools of
 * prose, code, log and search-result lines built once from the seed, so content is deterministic.
 */

/** mulberry32: 32-bit state, good enough for test data, fast. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of items) {
      r -= weight;
      if (r < 0) return value;
    }
    return items[items.length - 1]![0];
  }

  /** Log-normal with the given median; sigma is the spread of the underlying normal. */
  logNormal(median: number, sigma: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * normal);
  }

  hex(chars: number): string {
    let out = "";
    while (out.length < chars) out += ((this.next() * 4294967296) >>> 0).toString(16).padStart(8, "0");
    return out.slice(0, chars);
  }

  /** A version-4 style uuid. */
  uuid(): string {
    const h = this.hex(32);
    const variant = "89ab"[this.int(0, 3)]!;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  base62(chars: number): string {
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let out = "";
    for (let i = 0; i < chars; i++) out += alphabet[Math.floor(this.next() * 62)]!;
    return out;
  }
}

/** A stable 32-bit hash of a few numbers (per-session seeds from the global seed). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

const WORDS = (
  "the a to of and in for on with that this it is be as at by from or an are was we you can will not " +
  "report build deploy server config file test user data model token cache index query session agent " +
  "error result value update change version branch commit merge review issue fix release staging production " +
  "database table column schema migration backup restore disk memory cpu latency request response header " +
  "invoice customer order payment refund email calendar meeting reminder note draft summary budget quarter " +
  "revenue churn growth forecast metric dashboard alert incident outage timeout retry queue worker job " +
  "script function module package dependency install upgrade patch security key secret rotate vault policy " +
  "weather flight hotel booking travel price search result article page link source document pdf image " +
  "today tomorrow yesterday morning evening week month first next last new old quick small large final " +
  "check run start stop open close read write send fetch parse format sort filter count list show find " +
  "looks seems should would could might need want think know see make take give keep try use add remove"
).split(" ");

const UNICODE_BITS = ["22°C", "café", "naïve", "→", "✓", "—", "€120", "Zürich", "São Paulo", "日本語", "🙂", "…"];
const PATHS = ["src/index.ts", "src/server/routes.ts", "README.md", "package.json", "docs/setup.md", "scripts/deploy.sh", "reports/q3.pdf", "memory/notes.md", "config/app.yaml", "tests/api.test.ts", "infra/main.tf", "data/export.csv", "logs/app.log", "lib/utils.py", "cmd/server/main.go"];
const COMMANDS = ["git status", "git log --oneline -20", "npm test", "npm run build", "ls -la", "df -h /", "docker ps", "kubectl get pods -n prod", "python3 scripts/report.py --month 10", "grep -rn TODO src", "curl -s https://api.example.com/health", "tail -n 200 logs/app.log", "pytest -q", "cargo build --release", "make deploy ENV=staging"];
const DOMAINS = ["docs.example.com", "news.example.org", "github.com", "en.wikipedia.org", "stackoverflow.com", "blog.example.net", "status.example.io", "weather.example.com"];

export type TextPools = {
  sentences: string[];
  codeLines: string[];
  logLines: string[];
  paths: string[];
  commands: string[];
  domains: string[];
};

function sentence(rng: Rng): string {
  const n = rng.int(6, 22);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.chance(0.02) ? rng.pick(UNICODE_BITS) : rng.pick(WORDS));
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(" ")}${rng.pick([".", ".", ".", "?", "!", ":"])}`;
}

function codeLine(rng: Rng): string {
  const ident = () => `${rng.pick(WORDS)}${rng.pick(["", "Id", "Count", "List", "Map", "Value"])}`;
  const indent = " ".repeat(rng.pick([0, 2, 4, 4, 6, 8]));
  return (
    indent +
    rng.pick([
      `const ${ident()} = await ${ident()}(${ident()}, { ${ident()}: ${rng.int(0, 999)} });`,
      `if (${ident()} === undefined) return ${ident()};`,
      `export function ${ident()}(${ident()}: string): number {`,
      `}`,
      `// ${sentence(rng)}`,
      `for (const ${ident()} of ${ident()}) ${ident()}.push(${ident()});`,
      `def ${ident()}(self, ${ident()}):`,
      `    return self.${ident()}[${rng.int(0, 9)}]`,
      `  "${ident()}": "${rng.pick(WORDS)}-${rng.int(1, 99)}",`,
      `import { ${ident()} } from "./${ident()}.js";`,
    ])
  );
}

function logLine(rng: Rng, i: number): string {
  const level = rng.weighted([["INFO", 70], ["DEBUG", 15], ["WARN", 10], ["ERROR", 5]] as const);
  const sec = String(i % 60).padStart(2, "0");
  return `2026-10-${String(1 + (i % 28)).padStart(2, "0")}T0${i % 10}:${String(i % 60).padStart(2, "0")}:${sec}.${String(i % 1000).padStart(3, "0")}Z ${level} [${rng.pick(WORDS)}] ${sentence(rng)} id=${rng.hex(8)} ms=${rng.int(1, 4000)}`;
}

export function buildPools(seed: number): TextPools {
  const rng = new Rng(mixSeed(seed, 0x7e47));
  return {
    sentences: Array.from({ length: 4096 }, () => sentence(rng)),
    codeLines: Array.from({ length: 2048 }, () => codeLine(rng)),
    logLines: Array.from({ length: 2048 }, (_, i) => logLine(rng, i)),
    paths: PATHS,
    commands: COMMANDS,
    domains: DOMAINS,
  };
}

/** The first `chars` UTF-16 units of `text`, never ending inside a surrogate pair (no lone surrogates). */
export function cut(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const last = text.charCodeAt(chars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? chars - 1 : chars);
}

/** Joins picks from `pool` with `sep` until the text is at least `chars` long. */
export function fill(rng: Rng, pool: readonly string[], chars: number, sep = " "): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const part = rng.pick(pool);
    parts.push(part);
    length += part.length + sep.length;
  }
  return parts.join(sep);
}

/** Prose of about `chars` characters, in paragraphs. */
export function prose(rng: Rng, pools: TextPools, chars: number): string {
  if (chars < 400) return fill(rng, pools.sentences, chars);
  const paragraphs: string[] = [];
  let length = 0;
  while (length < chars) {
    const p = fill(rng, pools.sentences, Math.min(rng.int(200, 700), chars - length));
    paragraphs.push(p);
    length += p.length + 2;
  }
  return paragraphs.join("\n\n");
}

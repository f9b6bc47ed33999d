/**
 * The package as users get it: `npm pack` holds only what they need, and the tarball installed into an
 * empty prefix runs (`--help`, a query on the sample store, an MCP initialize over stdio).
 *
 * The install takes dependencies from npm's cache (`--offline`; `--prefer-offline` when the cache lacks
 * some metadata) with scripts off, and then copies this checkout's better-sqlite3 addon (same version,
 * built for this Node by `npm ci`): compiling it again would only test better-sqlite3's own build.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ensureBuilt, PROJECT_ROOT, run, useSampleStoreCopy } from "./helpers/built-server.js";

const exec = promisify(execFile);
// today ~410 KB packed (the dashboard's bundle ~40 KB of it), ~1.3 MB unpacked (with dist/bench, dist/scripts,
// source maps and the README's screenshots it would be ~1 MB / 2.5 MB)
const MAX_PACKED_BYTES = 500_000;
const MAX_UNPACKED_BYTES = 1_600_000;
const ALLOWED = [/^dist\/src\//, /^dist\/web\//, /^tool-schemas\/[\w-]+\.json$/, /^docs\/[\w-]+\.md$/, /^(README\.md|LICENSE|SECURITY\.md|package\.json)$/];

type PackEntry = { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

const work = mkdtempSync(join(tmpdir(), "session-events-pack-"));
const env = cleanEnv({ npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" });
let pack: PackEntry;
const sample = useSampleStoreCopy();

beforeAll(async () => {
  ensureBuilt();
  // --ignore-scripts: dist is built above; `prepare` would rebuild it under the other test files' feet
  const { stdout } = await exec("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: PROJECT_ROOT, env, maxBuffer: 16 << 20 });
  pack = (JSON.parse(stdout) as PackEntry[])[0]!;
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  it("ships dist/src, the tool schemas, docs, README, LICENSE and SECURITY.md, and nothing else", () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => !ALLOWED.some((re) => re.test(p)))).toEqual([]);
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => /^dist\/(bench|scripts|test)\//.test(p))).toEqual([]);
    for (const needed of ["dist/src/cli/main.js", "dist/src/index.js", "dist/src/index.d.ts", "README.md", "LICENSE", "docs/EVENTS.md", "tool-schemas/session_events.json"]) {
      expect(paths, needed).toContain(needed);
    }
  });

  it(`stays small: under ${MAX_PACKED_BYTES} bytes packed and ${MAX_UNPACKED_BYTES} unpacked`, () => {
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
    expect(pack.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
  });

  it("says where it comes from and what Node it needs", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(manifest.engines.node).toBe(">=20.19");
    expect(manifest.license).toBe("MIT");
  });

  it("installs on the oldest Node it claims: no locked dependency asks for a newer one", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
    const oldest = semver.minVersion(manifest.engines.node)!.version;
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const tooNew = Object.entries(lock.packages)
      .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(oldest, range));
    expect(tooNew).toEqual([]);
  });
});

describe("the tarball installed into an empty prefix", () => {
  const prefix = join(work, "prefix");
  const bin = join(prefix, "bin", "session-events");

  beforeAll(async () => {
    const tarball = join(work, pack.filename);
    const install = (mode: string) =>
      exec("npm", ["install", "-g", "--prefix", prefix, tarball, mode, "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: work, env, maxBuffer: 16 << 20 });
    await install("--offline").catch(() => install("--prefer-offline"));
    const installed = join(prefix, "lib", "node_modules", "openclaw-session-events", "node_modules", "better-sqlite3");
    const ours = join(PROJECT_ROOT, "node_modules", "better-sqlite3");
    const version = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
    expect(version(installed)).toBe(version(ours));
    mkdirSync(join(installed, "build", "Release"), { recursive: true });
    copyFileSync(join(ours, "build", "Release", "better_sqlite3.node"), join(installed, "build", "Release", "better_sqlite3.node"));
  }, 600_000);

  it("puts session-events on the prefix's bin, and --help works", async () => {
    expect(existsSync(bin)).toBe(true);
    const help = await run(bin, ["--help"], env);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: session-events/);
    expect(help.stdout).toContain("query");
  });

  it("answers a query on the sample store", async () => {
    const result = await run(bin, ["query", "--store", sample.box.store, "--caller", "agent:main:main", "--spawned-by", "current", "--descendants", "--types", "session_end", "--json"], sample.env);
    expect(result.code, result.stderr).toBe(0);
    const page = JSON.parse(result.stdout) as { events: { type: string; payload: { status: string } }[] };
    expect(page.events.map((e) => [e.type, e.payload.status])).toEqual([
      ["session_end", "failed"],
      ["session_end", "done"],
    ]);
  });

  it("speaks MCP over stdio: initialize, then tools/list", async () => {
    const transport = new StdioClientTransport({ command: bin, args: ["--store", sample.box.store], env: sample.env, stderr: "pipe" });
    const client = new Client({ name: "package-test", version: "1" });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe("openclaw-session-events");
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(["session_events", "sessions_events", "session_state", "sessions_search"]);
    } finally {
      await client.close();
    }
  });
});

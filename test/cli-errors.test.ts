/**
 * The CLI's errors and warnings (issue 24, item 3): flag names, exit 2 for every bad argument whatever
 * caught it, a short usage line, unknown commands, warnings for input that "works" but is wrong, and
 * the MCP server's notice on a terminal.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { MAIN_JS, PROJECT_ROOT, runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { HAS_SCRIPT, runOnTerminal } from "./helpers/terminal.js";

const sample = useSampleStoreCopy();

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...sample.env, ...env });
const query = (...args: string[]) => cli(["query", "--store", sample.box.store, ...args]);

/** A bad argument: exit 2, nothing on stdout, and an error without tool names or the whole help. */
async function refused(args: string[]): Promise<string> {
  const result = await cli(args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/\b(sessions?_events|sessionKey|waitMs|maxFieldChars|groupBy|eventId)\b/);
  expect(result.stderr).not.toContain("Options:");
  return result.stderr;
}

describe("errors name flags and exit 2", () => {
  it("option-parser errors: a bad number, a bad choice, an unknown option, a missing value; a short usage line", async () => {
    const store = ["--store", sample.box.store];
    const usage = "usage: session-events query [options] [patterns...]\n(see 'session-events query --help')\n";
    expect(await refused(["query", ...store, "--limit", "abc"])).toBe(`error: option '-n, --limit <n>' argument 'abc' is invalid. expected a whole number.\n${usage}`);
    expect(await refused(["query", ...store, "--scope", "world"])).toBe(
      `error: option '--scope <scope>' argument 'world' is invalid. Allowed choices are self, tree, agent, all.\n${usage}`,
    );
    expect(await refused(["query", ...store, "--bogus"])).toBe(`error: unknown option '--bogus'\n${usage}`);
    expect(await refused(["query", ...store, "--limit"])).toBe(`error: option '-n, --limit <n>' argument missing\n${usage}`);
    expect(await refused(["query", ...store, "--offset", "-3"])).toMatch(/^error: option '--offset <n>' argument '-3' is invalid/);
    expect(await refused(["sessions", ...store, "--generations", "some"])).toMatch(/^error: option '--generations <which>' argument 'some' is invalid.*\nusage: session-events sessions /);
    expect(await refused(["search"])).toMatch(/^error: missing required argument 'query'\nusage: session-events search /);
  });

  it("the tools' own checks speak of flags: --limit, --since, --max-field-chars, --follow, --session", async () => {
    expect(await refused(["query", "--store", sample.box.store, "--limit", "0"])).toMatch(/^error: --limit: /);
    expect(await refused(["query", "--store", sample.box.store, "--max-field-chars", "3"])).toMatch(/^error: --max-field-chars: /);
    expect(await refused(["query", "--store", sample.box.store, "--session", "agent:main:*"])).toBe(
      "error: --session reads one session, but --session \"agent:main:*\" is a pattern. Patterns go without --session: session-events query 'agent:main:*'.\n",
    );
    expect(await refused(["query", "--store", sample.box.store, "--session", "agent:nobody:main"])).toMatch(
      /^error: no session "agent:nobody:main" that you can read\. List them with `session-events sessions`/,
    );
    // a follow of a newest-first walk (its order comes with the cursor): said as --follow, not waitMs
    const desc = JSON.parse((await query("--session", "agent:main:main", "--order", "desc", "-n", "2", "--json")).stdout) as Page;
    expect(await refused(["query", "--store", sample.box.store, "--follow", "--cursor", desc.nextCursor])).toMatch(/^error: --follow follows new events, so it needs order "asc"/);
  });

  it("search and state too: flag names, not tool arguments", async () => {
    const store = ["--store", sample.box.store];
    expect(await refused(["search", "budget", ...store, "--since", "bad"])).toMatch(/^error: --since: "bad" is not a time\./);
    expect(await refused(["search", "budget", ...store, "--limit", "0"])).toMatch(/^error: --limit: /);
    expect(await refused(["search", "budget", ...store, "--limit", "x"])).toMatch(/^error: option '-n, --limit <n>' argument 'x' is invalid\. expected a whole number\.\nusage: session-events search /);
    expect(await refused(["search", "budget", ...store, "--types", ","])).toMatch(/^error: --types is empty/);
    expect(await refused(["state", ...store, "--last-messages", "999"])).toMatch(/^error: --last-messages: /);
    expect(await refused(["state", ...store, "--session", "agent:main:*"])).toMatch(/^error: state reads one session, but --session "agent:main:\*" is a pattern\./);
    expect(await refused(["state", ...store, "--session", "nope"])).toMatch(/^error: no session "nope" that you can read\./);
  });

  it("an unknown command says so and lists the commands", async () => {
    const stderr = await refused(["frobnicate", "--store", sample.box.store]);
    expect(stderr).toMatch(/^error: unknown command 'frobnicate'\. Commands: mcp, query, search, sessions, state, /);
    expect(stderr).not.toContain("too many arguments");
  });

  it("options that would be ignored are refused: --offset without --event, an empty --types, --descendants alone", async () => {
    expect(await refused(["query", "--store", sample.box.store, "--offset", "10"])).toBe(
      "error: --offset goes with --event (the character offset in one event's payload); leave it out otherwise.\n",
    );
    for (const empty of ["", ",", " , "]) {
      expect(await refused(["query", "--store", sample.box.store, "--types", empty])).toBe(
        "error: --types is empty: give one or more comma-separated values, or leave --types out.\n",
      );
    }
    expect(await refused(["query", "--store", sample.box.store, "--descendants"])).toMatch(/^error: --descendants goes with --spawned-by/);
  });
});

describe("warnings on stderr", () => {
  it("a pattern that looks like a regular expression (the answer still comes)", async () => {
    for (const pattern of ["agent:main:.*", "^agent:main", "agent:main:main$", "agent:[a-z]+:main", "agent:main:\\d"]) {
      const result = await query(pattern, "-n", "1");
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe(
        `warning: pattern ${JSON.stringify(pattern)} looks like a regular expression, but patterns are literal text with * for any run of characters (e.g. "agent:main:*").\n`,
      );
    }
    const plain = await query("agent:main:*", "-n", "1");
    expect(plain.stderr).toBe("");
  });

  it("a store with no agents/ or no sessions, saying what the right level is", async () => {
    const above = await cli(["sessions", "--store", sample.box.root]);
    expect(above.code).toBe(0);
    expect(above.stderr).toBe(
      `warning: store ${sample.box.root} has no agents/ folder, so no sessions: --store takes the OpenClaw state dir, the folder that holds agents/ (like ~/.openclaw). Did you mean --store ${sample.box.store}?\n`,
    );
    const empty = join(sample.box.root, "empty");
    mkdirSync(join(empty, "agents"), { recursive: true });
    const noSessions = await cli(["query", "--store", empty]);
    expect(noSessions.code).toBe(0);
    expect(noSessions.stderr).toBe(`warning: store ${empty} has no sessions (nothing in its agents/*/sessions/ folders).\n`);
    const good = await cli(["sessions", "--store", sample.box.store]);
    expect(good.stderr).toBe("");
  });

  it("a cache dir that cannot be used, at start (its cursors would not work in a later run)", async () => {
    const file = join(sample.box.root, "not-a-dir");
    writeFileSync(file, "");
    const result = await cli(["query", "--store", sample.box.store, "-n", "1"], { SESSION_EVENTS_CACHE_DIR: join(file, "cache") });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: cache dir ${join(file, "cache")} cannot be used (ENOTDIR): running without a cache, so a --cursor printed now will not work in a later run. Set SESSION_EVENTS_CACHE_DIR to a folder you can write (or SESSION_EVENTS_CURSOR_SECRET).\n`,
    );
    const withSecret = await cli(["query", "--store", sample.box.store, "-n", "1"], { SESSION_EVENTS_CACHE_DIR: join(file, "cache"), SESSION_EVENTS_CURSOR_SECRET: "x".repeat(40) });
    expect(withSecret.stderr).toBe("");
  });
});

describe("the MCP server (the default command)", () => {
  it.skipIf(!HAS_SCRIPT)("says on stderr that it waits for a client when started on a terminal", async () => {
    const shown = await runOnTerminal(["--store", sample.box.store], sample.env, /waiting for an MCP client/);
    expect(shown).toContain("session-events: waiting for an MCP client on stdin");
    expect(shown).toContain("see --help");
  });

  it("says nothing of the kind to a client on a pipe", async () => {
    const child = spawn(process.execPath, [MAIN_JS, "--store", sample.box.store], { cwd: PROJECT_ROOT, env: sample.env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).not.toContain("waiting for an MCP client");
  });
});

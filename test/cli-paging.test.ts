/** Paging from the shell (issue 24, item 1): the printed next-page command works as pasted, a cursor alone resumes, --all. */
import { describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { HAS_SCRIPT, runOnTerminal } from "./helpers/terminal.js";

const MAIN = "agent:main:main";
const MAIN_AND_WORK = ["agent:main:*", "agent:work:*"];
/** The sample's events in agent:main:* and agent:work:* (see test/cli.test.ts). */
const ALL_EVENTS = 68;

const sample = useSampleStoreCopy();

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...sample.env, COLUMNS: "400", ...env });

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await cli(args, env);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** The command a page printed for the next one, as words (its cursor and store path need no quoting). */
function nextCommand(out: string): string[] | undefined {
  const line = out.split("\n").find((l) => l.startsWith("next: "));
  return line?.slice("next: ".length).split(" ");
}

const ids = (page: Page) => page.events.map((e) => e.id);

describe("the next-page line", () => {
  it("is a command that works when pasted, and only when there is more", async () => {
    const messages = JSON.parse(await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--types", "message", "-n", "500", "--json"])) as Page;
    expect(messages.events.length).toBeGreaterThan(25);
    const rows = (out: string) => out.split("\n").filter((l) => /^\d{4}-\d\d-\d\d /.test(l));
    let out = await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--types", "message", "-n", "10"]);
    const shown = rows(out);
    for (let pages = 1; ; pages++) {
      const next = nextCommand(out);
      if (!next) break;
      expect(pages).toBeLessThan(10);
      expect(next.slice(0, 3)).toEqual(["session-events", "query", "--cursor"]);
      // only what is needed besides the cursor: the page size as given and the store, not the patterns or types
      expect(next.slice(4)).toEqual(["-n", "10", "--store", sample.box.store]);
      out = await ok(next.slice(1));
      shown.push(...rows(out));
    }
    expect(out).toContain("no more now");
    // the pasted cursor alone kept the patterns and --types
    expect(shown).toHaveLength(messages.events.length);
    for (const row of shown) expect(row).toMatch(/\smessage\s/);
    // the same walk as JSON: the cursor alone gives exactly the rest
    const all = JSON.parse(await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "-n", "500", "--json"])) as Page;
    expect(all.events).toHaveLength(ALL_EVENTS);
    const firstPage = JSON.parse(await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "-n", "40", "--json"])) as Page;
    const rest = JSON.parse(await ok(["query", "--store", sample.box.store, "--cursor", firstPage.nextCursor, "--json"])) as Page;
    expect([...ids(firstPage), ...ids(rest)]).toEqual(ids(all));
    expect(rest.hasMore).toBe(false);
  });

  it("carries the caller the page was read as; a one-session cursor resumes alone, and a differing flag is refused by name", async () => {
    const first = await ok(["query", "--store", sample.box.store, "--caller", MAIN, "--session", "current", "-n", "10", "--fields", "text,toolName"]);
    const next = nextCommand(first)!;
    expect(next.slice(4)).toEqual(["-n", "10", "--fields", "text,toolName", "--store", sample.box.store, "--caller", MAIN]);
    const second = await ok(next.slice(1));
    expect(second).toMatch(/^\S+ \S+\s+11\s+message\s/m); // seq 11 follows the first page's ten
    expect(second).not.toMatch(/\bsession\b.*\bseq\b/); // one session: no session column
    const cursor = next[3]!;
    const other = await cli(["query", "--store", sample.box.store, "--caller", MAIN, "--cursor", cursor, "--types", "tool_call"]);
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toBe(
      "error: --cursor belongs to another query (without --types), not --types tool_call. Leave --types out: --cursor alone resumes its query. Or drop --cursor to start over.",
    );
    const many = await cli(["query", "--store", sample.box.store, "--caller", MAIN, "--cursor", cursor, "agent:main:*"]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/^error: --cursor continues a query over one session: .*without patterns/);
  });

  it("repeats the query's arguments when it is too large for its cursor to carry", async () => {
    const long = Array.from({ length: 6 }, (_, i) => `agent:main:${String(i).padStart(200, "0")}`);
    const args = ["--store", sample.box.store, "query", ...long, "agent:main:*", "-n", "5", "--types", "message"];
    const first = await ok(args);
    const next = nextCommand(first)!;
    expect(next.slice(4).join(" ")).toBe(`--store ${sample.box.store} ${long.join(" ")} 'agent:main:*' -n 5 --types message`);
    const unquoted = next.slice(1).map((word) => word.replace(/^'(.*)'$/, "$1"));
    const second = await ok(unquoted);
    expect(second).toMatch(/^5 event\(s\) from \d+ session\(s\); more available/m);
    for (const row of second.split("\n").filter((l) => /^\d{4}-/.test(l))) expect(row).toMatch(/\smessage\s/);
  });
});

describe("--all", () => {
  it("prints every page as one table (one header) with the totals, and JSON lines with --json", async () => {
    const out = await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--all", "-n", "20"]);
    expect(out.match(/^time\s+session\s+seq\s+type\s+summary$/gm)).toHaveLength(1);
    expect(out.split("\n").filter((l) => /^\d{4}-\d\d-\d\d /.test(l))).toHaveLength(ALL_EVENTS);
    expect(out).toMatch(new RegExp(`\\n${ALL_EVENTS} event\\(s\\) in 4 page\\(s\\) from 7 session\\(s\\); no more now`));
    expect(out).not.toMatch(/^next: /m);
    const lines = (await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--all", "-n", "20", "--json"])).trimEnd().split("\n");
    expect(lines).toHaveLength(ALL_EVENTS);
    const all = JSON.parse(await ok(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "-n", "500", "--json"])) as Page;
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(ids(all));
  });

  it("shows a progress line on stderr only when stderr is a terminal", async () => {
    const piped = await cli(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--all", "-n", "20"]);
    expect(piped.stderr).toBe("");
    if (!HAS_SCRIPT) return console.warn("skipped: no `script` to run the CLI on a terminal");
    const shown = await runOnTerminal(["query", "--store", sample.box.store, ...MAIN_AND_WORK, "--all", "-n", "20"], { ...sample.env, COLUMNS: "400" });
    expect(shown).toMatch(/query --all: \d+ events, \d+ page\(s\)/);
    expect(shown).toContain(`${ALL_EVENTS} event(s) in 4 page(s)`);
  });

  it("is refused where it means nothing: with --group-by or --follow", async () => {
    const grouped = await cli(["query", "--store", sample.box.store, "--all", "--group-by", "type"]);
    expect(grouped.code).toBe(2);
    expect(grouped.stderr).toMatch(/^error: --group-by counts the whole window in one answer: it has no pages, so leave out --cursor, --all and --follow\./);
    const follow = await cli(["query", "--store", sample.box.store, "--all", "--follow"]);
    expect(follow.code).toBe(2);
    expect(follow.stderr).toMatch(/^error: --follow already prints every page: leave out --all\./);
  });
});

/**
 * Terminal-aware output (issue 24, item 2): widths from the terminal (COLUMNS stands in for it; 100 when
 * piped), colour on a terminal only (FORCE_COLOR stands in; a real one under `script`), never with
 * NO_COLOR; keys cut in the middle; tool-only turns summarized; a generation column; aligned --follow.
 */
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN_JS, PROJECT_ROOT, runCli, useSampleStoreCopy } from "./helpers/built-server.js";
import { HAS_SCRIPT, runOnTerminal } from "./helpers/terminal.js";

const MAIN = "agent:main:main";
const SUB2 = "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const ESC = "\u001b[";

const sample = useSampleStoreCopy();

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await runCli(["query", "--store", sample.box.store, ...args], { ...sample.env, ...env });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

const tableLines = (out: string) => out.split("\n\n")[0]!.split("\n");

describe("widths", () => {
  it("fit COLUMNS, and 100 columns when piped without it; a key too long is cut in the middle", async () => {
    for (const [env, width] of [[{ COLUMNS: "80" }, 80], [{}, 100], [{ COLUMNS: "132" }, 132]] as const) {
      const lines = tableLines(await ok(["agent:main:*", "-n", "60"], env));
      expect(lines.length).toBeGreaterThan(40);
      expect(Math.max(...lines.map((l) => l.length)), JSON.stringify(env)).toBeLessThanOrEqual(width);
      expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(width - 10);
    }
    const narrow = await ok(["agent:main:*", "-n", "60"]);
    // both ends of the subagent's key are kept: "agent:main…" and its id's last characters
    expect(narrow).toMatch(/^\S+ \S+\s+agent:main…\S*b7c6d\s+7\s+session_end\s+failed after 8000ms$/m);
    // wide enough: whole keys and summaries
    const wide = await ok(["agent:main:*", "-n", "60"], { COLUMNS: "250" });
    expect(wide).toMatch(new RegExp(`^\\S+ \\S+\\s+${SUB2}\\s+7\\s+session_end\\s+failed after 8000ms$`, "m"));
    expect(wide).not.toMatch(/agent:\S*…/); // (no key cut; long summaries still are)
  });

  it("sessions: the table fits too, its keys cut in the middle", async () => {
    const result = await runCli(["sessions", "--store", sample.box.store], { ...sample.env, COLUMNS: "80" });
    const lines = result.stdout.trimEnd().split("\n").slice(0, -1);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(result.stdout).toMatch(/^agent:…\S*c6d\s+main\s+a91b…c5d\s/m);
  });
});

describe("colour", () => {
  it("only on a terminal (FORCE_COLOR stands in for one), never with NO_COLOR", async () => {
    const args = ["--session", MAIN, "--types", "tool_error,tool_call"];
    const piped = await ok(args);
    expect(piped).not.toContain(ESC);
    const forced = await ok(args, { FORCE_COLOR: "1" });
    expect(forced).toContain(`${ESC}31mtool_error${ESC}39m`);
    expect(forced).toContain(`${ESC}36mtool_call${ESC}39m`);
    // the colour escapes take no columns: the rows stay aligned
    const plain = forced.replace(/\u001b\[\d+m/g, "");
    expect(plain).toBe(piped);
    expect(await ok(args, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(piped);
  });

  it.skipIf(!HAS_SCRIPT)("on a real terminal (run under script), and not there with NO_COLOR", async () => {
    const args = ["query", "--store", sample.box.store, "--session", MAIN, "--types", "tool_error"];
    const shown = await runOnTerminal(args, { ...sample.env, COLUMNS: "200" });
    expect(shown).toContain(`${ESC}31mtool_error${ESC}39m`);
    const noColor = await runOnTerminal(args, { ...sample.env, COLUMNS: "200", NO_COLOR: "1" });
    expect(noColor).toMatch(/\btool_error\b/);
    expect(noColor).not.toContain(`${ESC}31m`);
  });
});

describe("rows", () => {
  it("an assistant turn with only tool calls reads 'assistant: → tool, tool'", async () => {
    const out = await ok(["--session", MAIN, "-n", "20"], { COLUMNS: "200" });
    expect(out).toMatch(/^\S+ \S+\s+7\s+message\s+assistant: → sessions_spawn$/m);
    expect(out).toMatch(/^\S+ \S+\s+16\s+message\s+assistant: → exec$/m);
    expect(out).not.toMatch(/\sassistant:$/m);
    const telegram = await ok(["--session", "agent:main:telegram:dm:821071206"], { COLUMNS: "200" });
    expect(telegram).toMatch(/^\S+ \S+\s+2\s+message\s+assistant: → get_weather$/m);
  });

  it("--generations all adds a generation column (which transcript: the seqs restart in each)", async () => {
    const current = await ok(["--session", "agent:ops:main"], { COLUMNS: "200" });
    expect(current).toMatch(/^time\s+seq\s+type\s+summary$/m);
    const all = await ok(["--session", "agent:ops:main", "--generations", "all"], { COLUMNS: "200" });
    expect(all).toMatch(/^time\s+generation\s+seq\s+type\s+summary$/m);
    const starts = [...all.matchAll(/^\S+ \S+\s+([0-9a-f-]{36})\s+1\s+session_start\s/gm)].map((m) => m[1]);
    expect(starts).toHaveLength(2);
    expect(new Set(starts).size).toBe(2);
    // narrow: the ids cut in the middle, still telling the two apart
    const narrow = await ok(["--session", "agent:ops:main", "--generations", "all"], { COLUMNS: "80" });
    const cut = [...narrow.matchAll(/^\S+ \S+\s+(\S+…\S+)\s+1\s+session_start\s/gm)].map((m) => m[1]);
    expect(cut).toHaveLength(2);
    expect(new Set(cut).size).toBe(2);
  });
});

describe("--follow", () => {
  it("prints a header, then each new event as it is written, aligned under it", async () => {
    const child = spawn(process.execPath, [MAIN_JS, "query", "--store", sample.box.store, "--session", MAIN, "--follow"], {
      cwd: PROJECT_ROOT,
      env: { ...sample.env, COLUMNS: "120" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 400 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toMatch(re);
    };
    try {
      await waitFor(/^time\s+seq\s+type\s+summary\n-+ /);
      // (the follow has read to the end once its header is out and a poll is waiting: give it a moment)
      await new Promise((r) => setTimeout(r, 1500));
      const transcript = join(sample.box.store, "agents/main/sessions/3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl");
      const line = (id: string, parent: string, at: string, text: string) =>
        `${JSON.stringify({ type: "message", id, parentId: parent, timestamp: at, message: { role: "user", content: text, timestamp: Date.parse(at) } })}\n`;
      appendFileSync(transcript, line("f0000001", "a0000022", "2026-11-18T09:40:00.000Z", "Is the report ready yet?"));
      appendFileSync(transcript, line("f0000002", "f0000001", "2026-11-18T09:41:00.000Z", "Still waiting."));
      await waitFor(/Still waiting\.\n/);
    } finally {
      child.kill("SIGINT");
    }
    const lines = out.trimEnd().split("\n");
    const header = lines[0]!;
    const rows = lines.slice(2).filter((l) => l.includes("user: ")).slice(-2);
    expect(rows.map((r) => r.slice(r.indexOf("user: ")))).toEqual(["user: Is the report ready yet?", "user: Still waiting."]);
    // every row's cells start where the header's do
    for (const row of lines.slice(2)) {
      for (const column of ["seq", "type", "summary"]) {
        const at = header.indexOf(column);
        expect(`${row[at - 2]}${row[at - 1]}`, row).toBe("  ");
        expect(row[at], row).not.toBe(" ");
      }
    }
  }, 40_000);
});

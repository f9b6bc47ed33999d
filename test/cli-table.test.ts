/** The CLI's table fitting, width and colour choices, in-process (the built CLI is driven in test/cli-terminal.test.ts). */
import { describe, expect, it } from "vitest";
import { fitWidths, renderTable, shorten } from "../src/cli/table.js";
import { colorsFor, outputWidth } from "../src/cli/terminal.js";

const pipe = { isTTY: false } as NodeJS.WriteStream;
const tty = (columns?: number) => ({ isTTY: true, columns }) as NodeJS.WriteStream;

describe("shorten", () => {
  it("cuts at the end or in the middle, to exactly the width, with one ellipsis", () => {
    expect(shorten("agent:main:subagent:9a8b7c6d", 12, "middle")).toBe("agent:…b7c6d");
    expect(shorten("agent:main:subagent:9a8b7c6d", 12)).toBe("agent:main:…");
    expect(shorten("short", 12, "middle")).toBe("short");
    expect(shorten("abc", 1)).toBe("…");
  });
});

describe("fitWidths", () => {
  const headers = ["time", "session", "summary"];
  const rows = [["2026-11-18 09:00:00Z", "k".repeat(60), "s".repeat(200)]];

  it("keeps natural widths when they fit", () => {
    expect(fitWidths(headers, [["t", "k", "s"]], { width: 80 })).toEqual([4, 7, 7]);
  });

  it("narrows the shrinkable columns in order, down to their minimum, to fit the width", () => {
    const layout = { width: 100, shrink: [{ column: "summary", min: 40 }, { column: "session", min: 20 }, { column: "summary", min: 12 }] };
    const widths = fitWidths(headers, rows, layout);
    expect(widths.reduce((a, b) => a + b, 0) + 2 * (headers.length - 1)).toBe(100);
    expect(widths).toEqual([20, 36, 40]);
    const narrow = fitWidths(headers, rows, { ...layout, width: 60 });
    expect(narrow).toEqual([20, 20, 16]);
  });

  it("renders no line wider than the width, and no trailing blanks", () => {
    const layout = { width: 70, shrink: [{ column: "summary", min: 10 }, { column: "session", min: 10 }], middle: ["session"], colors: colorsFor(pipe, {}) };
    const lines = renderTable(headers, rows, layout).split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(70);
      expect(line).toBe(line.trimEnd());
    }
    expect(lines[2]).toMatch(/ k+…k+ /);
  });
});

describe("outputWidth and colorsFor", () => {
  it("the terminal's columns, else COLUMNS, else 100; never below 40", () => {
    expect(outputWidth(tty(132), {})).toBe(132);
    expect(outputWidth(tty(132), { COLUMNS: "90" })).toBe(132);
    expect(outputWidth(pipe, { COLUMNS: "90" })).toBe(90);
    expect(outputWidth(pipe, {})).toBe(100);
    expect(outputWidth(pipe, { COLUMNS: "wide" })).toBe(100);
    expect(outputWidth(tty(10), {})).toBe(40);
  });

  it("colour on a terminal or with FORCE_COLOR; never with NO_COLOR, on a dumb terminal, or piped (CI set or not)", () => {
    const red = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv) => colorsFor(stream, env).red("x") !== "x";
    expect(red(tty(80), {})).toBe(true);
    expect(red(tty(80), { NO_COLOR: "1" })).toBe(false);
    expect(red(tty(80), { NO_COLOR: "" })).toBe(true);
    expect(red(tty(80), { TERM: "dumb" })).toBe(false);
    expect(red(pipe, {})).toBe(false);
    expect(red(pipe, { CI: "true" })).toBe(false);
    expect(red(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(red(pipe, { FORCE_COLOR: "0" })).toBe(false);
    expect(red(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });
});

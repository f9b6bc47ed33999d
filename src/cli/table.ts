import Table from "cli-table3";
import { colorsFor, outputWidth, type Colors } from "./terminal.js";

export type TableLayout = {
  /** Steps by which columns give way when the table is wider than the terminal, in order (a column may come twice); others keep their natural width. */
  shrink?: Array<{ column: string; min: number }>;
  /** Columns shortened in the middle (both ends of a session key tell most); others lose their end. */
  middle?: string[];
  /** Colours a cell after it is fitted (the text is what is shown; escapes take no columns). */
  paint?: (column: string, text: string, colors: Colors) => string;
  width?: number;
  colors?: Colors;
};

const GAP = "  ";
/** No borders: rows read like `ls -l`, and copy out of a terminal without box characters. */
const BORDERLESS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: GAP,
};

/** Text cut to `max` characters with "…" in the middle (both ends of a session key tell most) or at the end. */
export function shorten(text: string, max: number, at: "middle" | "end" = "end"): string {
  if (text.length <= max) return text;
  if (max <= 1) return "…".slice(0, max);
  if (at === "end") return `${text.slice(0, max - 1)}…`;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

/** Column widths that fit `width`: natural widths, then the shrinkable columns narrowed in turn down to their minimum. */
export function fitWidths(headers: string[], rows: string[][], layout: TableLayout = {}): number[] {
  const width = layout.width ?? outputWidth();
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  let over = widths.reduce((a, b) => a + b, 0) + GAP.length * (headers.length - 1) - width;
  for (const { column, min } of layout.shrink ?? []) {
    const at = headers.indexOf(column);
    if (at < 0 || over <= 0) continue;
    const give = Math.min(over, Math.max(0, widths[at]! - Math.max(min, column.length)));
    widths[at] = widths[at]! - give;
    over -= give;
  }
  return widths;
}

/** A borderless table fitted to the terminal: a header, a rule, the rows; lines carry no trailing blanks. */
export function renderTable(headers: string[], rows: string[][], layout: TableLayout = {}, widths = fitWidths(headers, rows, layout)): string {
  const colors = layout.colors ?? colorsFor();
  const head = headers.map((h, i) => colors.bold(shorten(h, widths[i]!)));
  const rule = widths.map((w) => colors.dim("-".repeat(w)));
  return [tableLines([head, rule], widths), tableLines(fitRows(headers, rows, widths, layout, colors), widths)].filter(Boolean).join("\n");
}

/** Rows alone, at given widths (a follow prints its rows as they come, under a header printed once). */
export function renderRows(headers: string[], rows: string[][], widths: number[], layout: TableLayout = {}): string {
  return tableLines(fitRows(headers, rows, widths, layout, layout.colors ?? colorsFor()), widths);
}

function fitRows(headers: string[], rows: string[][], widths: number[], layout: TableLayout, colors: Colors): string[][] {
  return rows.map((row) =>
    row.map((cell, i) => {
      const name = headers[i]!;
      const fitted = shorten(cell, widths[i]!, layout.middle?.includes(name) ? "middle" : "end");
      return layout.paint ? layout.paint(name, fitted, colors) : fitted;
    }),
  );
}

function tableLines(rows: string[][], widths: number[]): string {
  if (rows.length === 0) return "";
  const table = new Table({
    chars: BORDERLESS,
    colWidths: widths,
    wordWrap: false,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
  });
  table.push(...rows);
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

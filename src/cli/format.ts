import type { SessionEvent } from "../contract/event.js";

/** A fixed-width text table; the last column is left unpadded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function shortTime(epochMs: number | undefined): string {
  return epochMs === undefined ? "-" : new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** What a person wants to see of an event in one line. */
export function eventSummary(event: SessionEvent): string {
  const p = event.payload as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v) ?? "");
  switch (event.type) {
    case "message":
      return `${str(p.role)}: ${str(p.text)}`;
    case "tool_call":
      return `${str(p.toolName)}(${str(p.args)})`;
    case "tool_result":
    case "tool_error":
      return `${str(p.toolName)}${p.durationMs !== undefined ? ` ${str(p.durationMs)}ms` : ""} -> ${str(p.text)}`;
    case "spawn":
      return `${str(p.childSessionKey)}${p.task ? `: ${str(p.task)}` : ""}`;
    case "model_switch": {
      const name = (m: unknown) => {
        const ref = (m ?? {}) as Record<string, unknown>;
        return [ref.provider, ref.model].filter(Boolean).join("/");
      };
      return `${name(p.from)} -> ${name(p.to)} (${str(p.reason)})`;
    }
    case "state_change":
      return `${str(p.key)} = ${str(p.value)}`;
    case "error":
      return str(p.message);
    case "session_end":
      return `${str(p.status)}${p.runtimeMs !== undefined ? ` after ${str(p.runtimeMs)}ms` : ""}`;
    default:
      return JSON.stringify(p);
  }
}

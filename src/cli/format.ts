import type { SessionEvent } from "../contract/event.js";
import { renderTable, type TableLayout } from "./table.js";

/** A table fitted to the terminal; by default the last column gives way first. */
export function table(headers: string[], rows: string[][], layout: TableLayout = { shrink: [{ column: headers[headers.length - 1]!, min: 20 }] }): string {
  return renderTable(headers, rows, layout);
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function shortTime(epochMs: number | undefined): string {
  return epochMs === undefined ? "-" : new Date(epochMs).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/**
 * One line per event; an assistant turn with no text but tool calls reads "assistant: → read, exec"
 * (from the calls on the page; "→ tools" when the page does not hold them).
 */
export function eventSummaries(events: readonly SessionEvent[]): string[] {
  const bySeq = new Map(events.map((e) => [`${e.sessionId}\0${e.seq}`, e]));
  return events.map((event) => {
    const p = event.payload as Record<string, unknown>;
    if (event.type !== "message" || p.role !== "assistant" || (typeof p.text === "string" && p.text.trim() !== "")) return eventSummary(event);
    const tools: string[] = [];
    // (the calls have the seqs right after the turn's, whatever the page's order)
    for (let seq = event.seq + 1; ; seq++) {
      const next = bySeq.get(`${event.sessionId}\0${seq}`);
      if (next?.type !== "tool_call") break;
      tools.push(String(next.payload.toolName ?? "?"));
    }
    return `assistant: → ${tools.length > 0 ? tools.join(", ") : "tools"}`;
  });
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

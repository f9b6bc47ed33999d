import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import { SessionStateInputSchema, type SessionState } from "../../contract/session-state.js";
import { QueryError } from "../../engine/errors.js";
import { querySessionState } from "../../engine/session-state/run-state.js";
import { inCliTerms } from "../cli-errors.js";
import { oneLine, shortTime, table } from "../format.js";
import { parseInput } from "../parse-input.js";
import { appOptions, withAppOptions } from "../shared-options.js";

type StateFlags = {
  session?: string;
  atSeq?: string;
  at?: string;
  lastMessages?: string;
  generations?: "current" | "all";
  json?: boolean;
};

export function stateCommand(): Command {
  return withAppOptions(
    new Command("state")
      .description("Replay one session to its state at a point (session_state): model, totals, compactions, spawned children, the messages in context.")
      .option("-s, --session <key>", 'the session: a key, a session id, or "current" (default)')
      .option("--at-seq <n>", "the state after the events with seq <= n")
      .option("--at <time>", 'the state after every event stamped at or before this time: ISO-8601, epoch ms, or a duration before now ("1h")')
      .option("-m, --last-messages <n>", "context messages to show (default 10, max 50)")
      .addOption(new Option("--generations <which>", "current (default) or all: replay the key's earlier transcripts first").choices(["current", "all"]))
      .option("--json", "print the state as JSON (what the tool returns)"),
  ).action(async (flags: StateFlags, command: Command) => {
    const ctx = createAppContext(appOptions(command.optsWithGlobals()));
    const input = parseInput(SessionStateInputSchema, {
      sessionKey: flags.session,
      atSeq: wholeNumber("--at-seq", flags.atSeq),
      at: flags.at,
      lastMessages: wholeNumber("--last-messages", flags.lastMessages),
      generations: flags.generations,
    });
    const state = await inCliTerms(() => querySessionState(ctx, input), false);
    process.stdout.write(flags.json ? `${JSON.stringify(state, null, 2)}\n` : `${formatState(state)}\n`);
  });
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new QueryError(`${flag} takes a whole number (0 or more), not ${JSON.stringify(value)}.`);
  return Number(value.trim());
}

const countList = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ") || "-";

/** The state for people: a header, one fact per line, then the context messages as a table. */
export function formatState(s: SessionState): string {
  const point = s.point.atSeq !== null ? `atSeq ${s.point.atSeq}` : s.point.at !== null ? `at ${shortTime(Date.parse(s.point.at))}` : "now";
  const where = s.seq === 0 ? "before any event" : `after seq ${s.seq} (${shortTime(s.timestamp ?? undefined)})`;
  const model = s.model ? [s.model.provider, s.model.model].filter(Boolean).join("/") : "-";
  const last = s.compactions.last;
  const facts: Array<[string, string]> = [
    ["model", model],
    ["thinking", s.thinkingLevel ?? "-"],
    ["name", s.name ?? "-"],
    ["labels", s.labels.map((l) => (l.targetId ? `${l.label} (on ${l.targetId})` : l.label)).join(", ") || "-"],
    ["ended", s.ended ? `${s.ended.status}${s.ended.runtimeMs !== undefined ? ` after ${s.ended.runtimeMs}ms` : ""}` : "-"],
    ["messages", countList(s.totals.messages)],
    ["tool calls", countList(s.totals.toolCalls)],
    ["tool errors", countList(s.totals.toolErrors)],
    ["errors", s.lastError ? `${s.totals.errors} (last at seq ${s.lastError.seq}: ${oneLine(s.lastError.message, 80)})` : String(s.totals.errors)],
    ["tokens", `in ${s.totals.tokens.input}, out ${s.totals.tokens.output}, total ${s.totals.tokens.total}; cost $${s.totals.costUsd.toFixed(4)}`],
    [
      "compactions",
      last ? `${s.compactions.count} (last at seq ${last.seq}, ${last.tokensBefore ?? "?"} tokens before, kept from ${last.firstKeptEntryId ?? "?"})` : "0",
    ],
    ["spawned", String(s.spawned.count)],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const lines = [
    `${s.session} (${s.sessionId}) at ${point}: ${where}${s.atEnd ? ", the latest state" : ""}`,
    `${s.eventsProjected} event(s) projected${s.hiddenByVisibility ? `, ${s.hiddenByVisibility} hidden by visibility` : ""}`,
    "",
    ...facts.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
  ];
  if (last?.summary) lines.push("", `summary: ${oneLine(last.summary, 300)}`);
  if (s.spawned.children.length > 0) {
    lines.push("", table(["seq", "child", "status", "task"], s.spawned.children.map((c) => [String(c.seq), c.childSessionKey, c.status, oneLine(c.task ?? c.label ?? "", 60)])));
  }
  lines.push("", `${s.messagesInContext} message(s) in context${s.lastMessages.length < s.messagesInContext ? `, the last ${s.lastMessages.length}:` : ":"}`);
  if (s.lastMessages.length > 0) {
    lines.push(table(["seq", "time", "role", "text"], s.lastMessages.map((m) => [String(m.seq), shortTime(Date.parse(m.time)), m.role, oneLine(m.text || (m.stopReason ? `(${m.stopReason})` : ""), 100)])));
  }
  if (s.notes.length > 0) lines.push("", ...s.notes);
  return lines.join("\n");
}

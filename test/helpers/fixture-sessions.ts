import { join } from "node:path";
import { AgentDatabaseWriter } from "../../scripts/agent-database.js";
import {
  assistantLine,
  compactionLine,
  header,
  modelChangeLine,
  text,
  toolCall,
  toolResultLine,
  userLine,
} from "./pi-lines.js";
import type { TempStateDir } from "./temp-store.js";

export const FIXTURE_T0 = Date.parse("2026-04-10T09:00:00Z");
const T = (s: number) => FIXTURE_T0 + s * 1000;

export type AgentFixture = {
  registry: Record<string, Record<string, unknown>>;
  transcripts: Record<string, Array<Record<string, unknown> | string>>;
};

/** One agent's logical sessions: a root that spawns a child (which ends), a cron run, and odd lines. */
export function richAgentFixture(): AgentFixture {
  const root = [
    header("s-root", T(0)),
    userLine(T(1), "deploy and report"),
    assistantLine(T(2), [{ type: "thinking", thinking: "plan it" }, text("on it"), toolCall("c1", "exec", { cmd: "deploy --token=ghp_abcdefghijklmnopqrstuvwxyz0123456789" })], { stopReason: "toolUse" }),
    toolResultLine(T(4), "c1", "exec", "deploy failed: timeout", true),
    assistantLine(T(5), [toolCall("c2", "sessions_spawn", { task: "write the report", label: "report" })], { stopReason: "toolUse" }),
    toolResultLine(T(6), "c2", "sessions_spawn", JSON.stringify({ status: "accepted", runId: "r1", childSessionKey: "agent:main:subagent:report" })),
    modelChangeLine(T(7), "openai", "gpt-5.1"),
    assistantLine(T(8), [text("")], { provider: "openai", model: "gpt-5.1", stopReason: "error", errorMessage: "rate limited" }),
    "{not json",
    compactionLine(T(9), "summary of it all", 12345),
    assistantLine(T(10), [text("done for now")]),
  ];
  const child = [
    header("s-child", T(6)),
    userLine(T(6), "write the report"),
    assistantLine(T(7), [toolCall("c3", "read", { path: "notes.md" })], { model: "claude-haiku-4-5", stopReason: "toolUse" }),
    toolResultLine(T(8), "c3", "read", "notes: all fine"),
    assistantLine(T(9), [text("report written")], { model: "claude-haiku-4-5" }),
  ];
  const cron = [header("s-cron", T(3)), userLine(T(3), "daily digest"), assistantLine(T(11), [text("nothing new")])];
  return {
    registry: {
      "agent:main:main": { sessionId: "s-root", updatedAt: T(10), status: "running" },
      "agent:main:subagent:report": { sessionId: "s-child", updatedAt: T(9), spawnedBy: "agent:main:main", status: "done", endedAt: T(9) + 500, runtimeMs: 3500 },
      "agent:main:cron:digest": { sessionId: "s-cron", updatedAt: T(11), status: "failed", endedAt: T(12) },
    },
    transcripts: { "s-root": root, "s-child": child, "s-cron": cron },
  };
}

export function writeFilesAgent(store: TempStateDir, agent: string, fixture: AgentFixture): void {
  store.registry(agent, fixture.registry);
  for (const [sessionId, lines] of Object.entries(fixture.transcripts)) store.transcript(agent, `${sessionId}.jsonl`, lines);
}

export function agentDatabasePathIn(store: TempStateDir, agent: string): string {
  return join(store.root, "agents", agent, "agent", "openclaw-agent.sqlite");
}

/** The same sessions as an agent database: registry rows from the entries, one row per transcript line. */
export function writeSqliteAgent(
  store: TempStateDir,
  agent: string,
  fixture: AgentFixture,
  options: { keepOpen?: boolean; layout?: "reduced" | "newer" | "old"; pack?: (writer: AgentDatabaseWriter) => void } = {},
): AgentDatabaseWriter {
  const writer = new AgentDatabaseWriter(agentDatabasePathIn(store, agent), { layout: options.layout });
  for (const [key, entry] of Object.entries(fixture.registry)) {
    writer.node({ key, entry });
    const updatedAt = typeof entry.updatedAt === "number" ? entry.updatedAt : 0;
    writer.window({ sessionId: String(entry.sessionId), key, createdAt: updatedAt, updatedAt });
  }
  for (const [sessionId, lines] of Object.entries(fixture.transcripts)) {
    writer.append(
      sessionId,
      lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))),
      (line) => {
        try {
          return Date.parse(JSON.parse(line).timestamp as string) || FIXTURE_T0;
        } catch {
          return FIXTURE_T0;
        }
      },
    );
  }
  options.pack?.(writer);
  if (!options.keepOpen) writer.close();
  return writer;
}

/**
 * Rebuilds the bundled sample stores under examples/ (run: npm run build && node dist/scripts/build-sample-store.js).
 * examples/openclaw-state: agents main and work keep files, agent ops is migrated to SQLite.
 * examples/clawjs-workspace: a ClawJS workspace with two conversations.
 * Deterministic: fixed ids and times, so the checked-in files only change when this script does.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentDatabaseWriter } from "./agent-database.js";

type Line = Record<string, unknown> | string;

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
const state = join(examples, "openclaw-state");
const workspace = join(examples, "clawjs-workspace");

const ms = (iso: string) => Date.parse(iso);
const day18 = (hms: string) => `2026-11-18T${hms}.000Z`;

function writeLines(path: string, lines: Line[], trailingNewline = true): void {
  mkdirSync(join(path, ".."), { recursive: true });
  const text = lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");
  writeFileSync(path, trailingNewline ? `${text}\n` : text);
}

function usage(input: number, output: number, cost: number) {
  return {
    input,
    output,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: input + output,
    cost: { input: cost / 2, output: cost / 2, cacheRead: 0, cacheWrite: 0, total: cost },
  };
}

type AssistantOptions = { model?: string; provider?: string; stop?: string; usage?: [number, number, number]; extra?: Record<string, unknown> };

function assistant(id: string, parentId: string | null, ts: string, content: unknown[], o: AssistantOptions = {}) {
  const [i, out, cost] = o.usage ?? [1200, 80, 0.0042];
  return {
    type: "message",
    id,
    parentId,
    timestamp: ts,
    message: {
      role: "assistant",
      content,
      api: o.provider === "openai" ? "openai-responses" : "anthropic-messages",
      provider: o.provider ?? "anthropic",
      model: o.model ?? "claude-sonnet-4-5",
      usage: usage(i, out, cost),
      stopReason: o.stop ?? "stop",
      timestamp: ms(ts),
      ...o.extra,
    },
  };
}

const user = (id: string, parentId: string | null, ts: string, content: unknown) => ({
  type: "message",
  id,
  parentId,
  timestamp: ts,
  message: { role: "user", content, timestamp: ms(ts) },
});

const toolResult = (id: string, parentId: string, ts: string, callId: string, name: string, text: string, isError = false) => ({
  type: "message",
  id,
  parentId,
  timestamp: ts,
  message: { role: "toolResult", toolCallId: callId, toolName: name, content: [{ type: "text", text }], isError, timestamp: ms(ts) },
});

const header = (id: string, ts: string, extra: Record<string, unknown> = {}) => ({ type: "session", version: 3, id, timestamp: ts, cwd: "/home/ada/workspace", ...extra });
const text = (t: string) => ({ type: "text", text: t });
const call = (id: string, name: string, args: unknown) => ({ type: "toolCall", id, name, arguments: args });

const MAIN = "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01";
const CHILD = "7c2d9e10-4f3a-4b8c-a1d2-e3f405162738";
const GRAND = "a91b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const TELEGRAM = "c0ffee00-1111-4222-8333-944455556666";
const CRON = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70";
const WORK = "e1e2e3e4-f5f6-4a7b-8c9d-aabbccddeeff";
const WORK_DEV = "f00dbabe-0001-4002-8003-000400050006";
const OPS_OLD = "0b5e1a11-0000-4000-8000-00000000a001";
const OPS = "0b5e1a11-0000-4000-8000-00000000a002";
const OPS_BACKUP = "0b5e1a11-0000-4000-8000-00000000a003";
const CHILD_KEY = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const GRAND_KEY = "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

function mainAgent(): void {
  const dir = join(state, "agents", "main", "sessions");
  const T = day18;
  writeLines(join(dir, `${MAIN}.jsonl`), [
    header(MAIN, T("09:00:00")),
    { type: "custom", customType: "model-snapshot", data: { timestamp: ms(T("09:00:00")), provider: "anthropic", modelApi: "anthropic-messages", modelId: "claude-sonnet-4-5" }, id: "a0000001", parentId: null, timestamp: T("09:00:00") },
    { type: "thinking_level_change", id: "a0000002", parentId: "a0000001", timestamp: T("09:00:01"), thinkingLevel: "medium" },
    user("a0000003", "a0000002", T("09:00:05"), "What's the weather in Sydney, and can you get a summary of the Q3 report started?"),
    assistant("a0000004", "a0000003", T("09:00:08"), [{ type: "thinking", thinking: "Two tasks: weather lookup, then delegate the report summary to a sub-agent." }, text("Checking the weather first."), call("toolu_01", "web_search", { query: "Sydney weather today" })], { stop: "toolUse" }),
    toolResult("a0000005", "a0000004", T("09:00:10"), "toolu_01", "web_search", "Sydney: 22°C, partly cloudy, light winds."),
    assistant("a0000006", "a0000005", T("09:00:13"), [call("toolu_02", "sessions_spawn", { task: "Summarize the Q3 report in reports/q3.pdf", label: "q3-summary", agentId: "main", model: "anthropic/claude-haiku-4-5" })], { stop: "toolUse" }),
    toolResult("a0000007", "a0000006", T("09:00:14"), "toolu_02", "sessions_spawn", JSON.stringify({ status: "accepted", runId: "run_8f2a", childSessionKey: CHILD_KEY })),
    assistant("a0000008", "a0000007", T("09:00:16"), [text("It's 22°C and partly cloudy in Sydney. I've started a sub-agent on the Q3 report.")]),
    user("a0000009", "a0000008", T("09:05:00"), [text("Here's the chart I mentioned."), { type: "image", data: PNG_1PX, mimeType: "image/png" }]),
    assistant("a0000010", "a0000009", T("09:05:04"), [text("Got the chart: revenue is up 12% quarter over quarter.")]),
    { type: "model_change", id: "a0000011", parentId: "a0000010", timestamp: T("09:10:00"), provider: "openai", modelId: "gpt-5.1" },
    user("a0000012", "a0000011", T("09:10:05"), "Deploy the staging build with the usual credentials."),
    assistant("a0000013", "a0000012", T("09:10:09"), [call("call_03", "exec", { command: "OPENAI_API_KEY=sk-proj-Xq7bR2mN9vT4wL8sK3jH6gF1dS5aP0oI ./deploy.sh staging", env: { DATABASE_URL: "postgres://deploy:hunter2-staging@db.internal:5432/app" } })], { model: "gpt-5.1", provider: "openai", stop: "toolUse", usage: [2400, 60, 0.0031] }),
    toolResult("a0000014", "a0000013", T("09:10:31"), "call_03", "exec", "deploy.sh: error: staging cluster unreachable (timeout after 20s)", true),
    assistant("a0000015", "a0000014", T("09:10:34"), [text("")], { model: "gpt-5.1", provider: "openai", stop: "error", usage: [2500, 0, 0], extra: { errorMessage: "429 rate_limit_exceeded: retry after 30s" } }),
    assistant("a0000016", "a0000015", T("09:11:10"), [text("The staging cluster timed out; I'll retry once the network is back.")]),
    { type: "compaction", id: "a0000017", parentId: "a0000016", timestamp: T("09:30:00"), summary: "User asked for Sydney weather (22°C) and a Q3 report summary (delegated to sub-agent q3-summary). Staging deploy failed: cluster unreachable.", firstKeptEntryId: "a0000012", tokensBefore: 182340 },
    { type: "label", id: "a0000018", parentId: "a0000017", timestamp: T("09:30:01"), targetId: "a0000012", label: "deploy-attempt" },
    { type: "session_info", id: "a0000019", parentId: "a0000018", timestamp: T("09:30:02"), name: "Morning ops" },
    { type: "custom", customType: "memory-flush", data: { files: ["memory/2026-11-18.md"] }, id: "a0000020", parentId: "a0000019", timestamp: T("09:30:03") },
    assistant("a0000021", "a0000020", T("09:31:00"), [text("Reminder delivered to Telegram.")], { provider: "openclaw", model: "delivery-mirror", usage: [0, 0, 0] }),
    user("a0000022", "a0000021", T("09:32:00"), "Thanks! Ping me when the report is ready."),
  ]);
  writeLines(join(dir, `${CHILD}.jsonl`), [
    header(CHILD, T("09:00:14"), { parentSession: MAIN }),
    user("b0000001", null, T("09:00:15"), "Summarize the Q3 report in reports/q3.pdf"),
    assistant("b0000002", "b0000001", T("09:00:18"), [call("toolu_11", "read", { path: "reports/q3.pdf" })], { model: "claude-haiku-4-5", stop: "toolUse", usage: [900, 40, 0.0009] }),
    toolResult("b0000003", "b0000002", T("09:00:19"), "toolu_11", "read", "Q3 revenue $4.2M (+12% QoQ); churn 2.1%; two new enterprise customers."),
    assistant("b0000004", "b0000003", T("09:00:22"), [call("toolu_12", "sessions_spawn", { task: "Cross-check churn figure against CRM export", label: "churn-check" })], { model: "claude-haiku-4-5", stop: "toolUse", usage: [1100, 50, 0.0011] }),
    toolResult("b0000005", "b0000004", T("09:00:23"), "toolu_12", "sessions_spawn", JSON.stringify({ status: "accepted", runId: "run_91bc", childSessionKey: GRAND_KEY })),
    assistant("b0000006", "b0000005", T("09:02:40"), [text("Q3: revenue $4.2M (+12% QoQ), churn 2.1%, two new enterprise customers. Churn cross-check failed (CRM export missing).")], { model: "claude-haiku-4-5", usage: [1500, 90, 0.0016] }),
  ]);
  writeLines(join(dir, `${GRAND}.jsonl`), [
    header(GRAND, T("09:00:23"), { parentSession: CHILD }),
    user("c0000001", null, T("09:00:24"), "Cross-check churn figure against CRM export"),
    assistant("c0000002", "c0000001", T("09:00:27"), [call("toolu_21", "read", { path: "exports/crm.csv" })], { model: "claude-haiku-4-5", stop: "toolUse", usage: [700, 30, 0.0007] }),
    toolResult("c0000003", "c0000002", T("09:00:28"), "toolu_21", "read", "ENOENT: no such file or directory, open 'exports/crm.csv'", true),
    assistant("c0000004", "c0000003", T("09:00:30"), [text("Cannot cross-check: the CRM export is missing.")], { model: "claude-haiku-4-5", usage: [800, 20, 0.0007] }),
  ]);
  // an old unwrapped transcript (as in the OpenClaw docs), a corrupted line, and a last line still being written
  writeLines(
    join(dir, `${TELEGRAM}.jsonl`),
    [
      { role: "user", content: "What's the weather in Sydney?", timestamp: "2026-11-18T08:30:00.000Z" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_31", name: "get_weather", input: { location: "Sydney" } }], timestamp: "2026-11-18T08:30:01.000Z" },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_31", content: '{"temp":22}' }], timestamp: "2026-11-18T08:30:02.000Z" },
      { role: "assistant", content: "It's 22°C in Sydney right now.", timestamp: "2026-11-18T08:30:03.000Z" },
      "this line is not JSON (a corrupted write)",
      { role: "user", content: "And tomorrow?", timestamp: ms("2026-11-18T08:31:00.000Z") },
      '{"role":"assistant","content":"Tomorrow looks',
    ],
    false,
  );
  writeLines(join(dir, `${CRON}.jsonl`), [
    header(CRON, T("06:00:00")),
    { type: "custom_message", customType: "cron-trigger", content: "Daily digest", display: false, details: { jobId: "daily-digest" }, id: "d0000001", parentId: null, timestamp: T("06:00:00") },
    assistant("d0000002", "d0000001", T("06:00:04"), [call("toolu_41", "web_fetch", { url: "https://news.example.com/feed?api_key=abcd1234efgh5678" })], { stop: "toolUse", usage: [600, 30, 0.0006] }),
    toolResult("d0000003", "d0000002", T("06:00:06"), "toolu_41", "web_fetch", "5 headlines fetched."),
    assistant("d0000004", "d0000003", T("06:00:09"), [text("Digest: 5 headlines, nothing urgent.")], { usage: [900, 40, 0.0009] }),
    { type: "branch_summary", id: "d0000005", parentId: "d0000004", timestamp: T("06:00:10"), fromId: "d0000002", summary: "Tried an alternative feed first." },
  ]);
  // files that are not transcripts, and are never read as such
  writeLines(join(dir, `${MAIN}.trajectory.jsonl`), [{ runId: "run_1", event: "llm.request", ts: ms(T("09:00:06")) }]);
  writeFileSync(join(dir, `${MAIN}.trajectory-path.json`), JSON.stringify({ path: `${MAIN}.trajectory.jsonl` }));
  writeLines(join(dir, `${CHILD}.checkpoint.0b1c2d3e-0000-4000-8000-000000000001.jsonl`), [header(CHILD, T("09:00:14"))]);
  writeLines(join(dir, "1e1e1e1e-2f2f-4a4a-8b8b-3c3c3c3c3c3c.jsonl.reset.2026-11-17T22-00-00Z"), [header("1e1e1e1e-2f2f-4a4a-8b8b-3c3c3c3c3c3c", "2026-11-17T21:00:00.000Z")]);
  const registry = {
    "agent:main:main": { sessionId: MAIN, updatedAt: ms(T("09:32:00")), sessionFile: `${MAIN}.jsonl`, chatType: "direct", channel: "telegram", label: "Morning ops", model: "claude-sonnet-4-5", modelProvider: "anthropic", inputTokens: 12700, outputTokens: 390, totalTokens: 13090, contextTokens: 200000, compactionCount: 1, status: "running", startedAt: ms(T("09:00:00")) },
    [CHILD_KEY]: { sessionId: CHILD, updatedAt: ms(T("09:02:41")), sessionFile: `${CHILD}.jsonl`, spawnedBy: "agent:main:main", parentSessionKey: "agent:main:main", spawnDepth: 1, subagentRole: "worker", label: "q3-summary", model: "claude-haiku-4-5", status: "done", startedAt: ms(T("09:00:14")), endedAt: ms(T("09:02:41")), runtimeMs: 147000 },
    [GRAND_KEY]: { sessionId: GRAND, updatedAt: ms(T("09:00:31")), sessionFile: `/Users/ada/.openclaw/agents/main/sessions/${GRAND}.jsonl`, spawnedBy: CHILD_KEY, spawnDepth: 2, label: "churn-check", status: "failed", startedAt: ms(T("09:00:23")), endedAt: ms(T("09:00:31")), runtimeMs: 8000 },
    "agent:main:telegram:dm:821071206": { sessionId: TELEGRAM, updatedAt: ms("2026-11-18T08:31:00.000Z"), channel: "telegram", chatType: "direct" },
    "agent:main:cron:daily-digest": { sessionId: CRON, updatedAt: ms(T("06:00:10")), sessionFile: `${CRON}.jsonl`, status: "done", endedAt: ms(T("06:00:11")), runtimeMs: 11000 },
  };
  writeFileSync(join(dir, "sessions.json"), `${JSON.stringify(registry, null, 2)}\n`);
}

function workAgent(): void {
  const dir = join(state, "agents", "work", "sessions");
  writeLines(join(dir, `${WORK}.jsonl`), [
    header(WORK, "2026-11-19T14:00:00.000Z", { cwd: "/srv/work" }),
    user("e0000001", null, "2026-11-19T14:00:02.000Z", "Rotate the vault token for the billing service."),
    assistant("e0000002", "e0000001", "2026-11-19T14:00:05.000Z", [call("toolu_51", "vault_write", { path: "secret/billing", token: "hvs.CAESIJ9x2kq8Zr7mN1pL4vB6tY0wQ3eR5uI" })], { stop: "toolUse", usage: [500, 40, 0.0005] }),
    toolResult("e0000003", "e0000002", "2026-11-19T14:00:06.000Z", "toolu_51", "vault_write", "ok: version 7"),
    assistant("e0000004", "e0000003", "2026-11-19T14:00:08.000Z", [text("Rotated; billing now reads version 7.")], { usage: [600, 20, 0.0006] }),
  ]);
  writeLines(join(dir, `${WORK_DEV}.jsonl`), [
    header(WORK_DEV, "2026-11-19T15:00:00.000Z", { cwd: "/srv/work" }),
    user("f0000001", null, "2026-11-19T15:00:01.000Z", "@bot what's the build status?"),
    assistant("f0000002", "f0000001", "2026-11-19T15:00:03.000Z", [text("main is green; 2 PRs waiting for review.")], { usage: [400, 20, 0.0004] }),
  ]);
  const registry = {
    "agent:work:main": { sessionId: WORK, updatedAt: ms("2026-11-19T14:00:08.000Z") },
    "discord:group:dev": { sessionId: WORK_DEV, updatedAt: ms("2026-11-19T15:00:03.000Z"), channel: "discord", chatType: "group" },
  };
  writeFileSync(join(dir, "sessions.json"), `${JSON.stringify(registry, null, 2)}\n`);
  writeFileSync(join(dir, "sessions.json.lock"), "");
}

/** Agent ops was migrated to SQLite; its key was reset once, so it has an earlier generation. */
function opsAgent(): void {
  const T = (hms: string) => `2026-11-19T${hms}.000Z`;
  const db = new AgentDatabaseWriter(join(state, "agents", "ops", "agent", "openclaw-agent.sqlite"));
  const old: Line[] = [
    header(OPS_OLD, T("07:00:00"), { cwd: "/srv/ops" }),
    user("o0000001", null, T("07:00:01"), "Check disk usage on db-1."),
    assistant("o0000002", "o0000001", T("07:00:03"), [call("toolu_61", "ssh", { host: "db-1", command: "df -h /" })], { stop: "toolUse", usage: [300, 20, 0.0003] }),
    toolResult("o0000003", "o0000002", T("07:00:05"), "toolu_61", "ssh", "/dev/sda1  100G  91G  9G  91% /"),
    assistant("o0000004", "o0000003", T("07:00:07"), [text("db-1 is at 91% disk; I'd clear old WAL archives.")], { usage: [400, 30, 0.0004] }),
  ];
  const current: Line[] = [
    header(OPS, T("08:00:00"), { cwd: "/srv/ops" }),
    user("p0000001", null, T("08:00:02"), "/reset — start fresh. Rotate the nightly backup."),
    assistant("p0000002", "p0000001", T("08:00:05"), [call("toolu_71", "sessions_spawn", { task: "Run the nightly backup now and verify it", label: "backup-now", agentId: "ops" })], { stop: "toolUse", usage: [500, 40, 0.0005] }),
    toolResult("p0000003", "p0000002", T("08:00:06"), "toolu_71", "sessions_spawn", JSON.stringify({ status: "accepted", runId: "run_b7", childSessionKey: "agent:ops:subagent:backup-now" })),
    assistant("p0000004", "p0000003", T("08:00:09"), [text("Backup started in a sub-agent.")], { usage: [550, 20, 0.0005] }),
  ];
  const backup: Line[] = [
    header(OPS_BACKUP, T("08:00:06"), { cwd: "/srv/ops" }),
    user("q0000001", null, T("08:00:06"), "Run the nightly backup now and verify it"),
    assistant("q0000002", "q0000001", T("08:00:08"), [call("toolu_81", "exec", { command: "pg_dump --dbname=postgresql://backup:Xy9!backup-pass@db-1/app > /backups/app.sql" })], { stop: "toolUse", usage: [350, 30, 0.0004] }),
    toolResult("q0000003", "q0000002", T("08:01:40"), "toolu_81", "exec", "dump complete: 2.1 GB"),
    assistant("q0000004", "q0000003", T("08:01:42"), [text("Backup verified: 2.1 GB.")], { usage: [380, 15, 0.0004] }),
  ];
  const lineTime = (line: string) => Date.parse((JSON.parse(line) as { timestamp: string }).timestamp);
  const rows = (lines: Line[]) => lines.map((l) => JSON.stringify(l));
  db.node({ key: "agent:ops:main", entry: { sessionId: OPS, updatedAt: ms(T("08:00:09")), status: "running", startedAt: ms(T("08:00:00")), channel: "slack" } });
  db.node({ key: "agent:ops:subagent:backup-now", entry: { sessionId: OPS_BACKUP, updatedAt: ms(T("08:01:43")), spawnedBy: "agent:ops:main", label: "backup-now", status: "done", startedAt: ms(T("08:00:06")), endedAt: ms(T("08:01:43")), runtimeMs: 97000 } });
  db.window({ sessionId: OPS_OLD, key: "agent:ops:main", reason: "initial", createdAt: ms(T("07:00:00")), updatedAt: ms(T("07:00:07")), status: "done", endedAt: ms(T("07:59:59")) });
  db.window({ sessionId: OPS, key: "agent:ops:main", previousSessionId: OPS_OLD, reason: "reset", createdAt: ms(T("08:00:00")), updatedAt: ms(T("08:00:09")) });
  db.window({ sessionId: OPS_BACKUP, key: "agent:ops:subagent:backup-now", reason: "initial", createdAt: ms(T("08:00:06")), updatedAt: ms(T("08:01:43")) });
  db.append(OPS_OLD, rows(old), lineTime);
  db.append(OPS, rows(current), lineTime);
  db.append(OPS_BACKUP, rows(backup), lineTime);
  db.close(); // checkpoints: the sample ships as one file, no -wal or -shm
}

function clawjsWorkspace(): void {
  const dir = join(workspace, ".clawjs", "conversations");
  const a = "clawjs-6b1d3f0e-2a4c-4e8f-9b7d-1c3e5a7f9b2d";
  const b = "clawjs-9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
  const message = (id: string, ts: string, role: string, t: string) => ({ type: "message", id, timestamp: ts, message: { role, content: [text(t)] } });
  writeLines(join(dir, `${a}.jsonl`), [
    { type: "session", id: a, timestamp: "2026-11-17T16:00:00.000Z", title: "Budget review" },
    message("m-01", "2026-11-17T16:00:05.000Z", "user", "Can you pull last quarter's travel spend?"),
    message("m-02", "2026-11-17T16:00:09.000Z", "tool", "travel_spend_q3.csv: 41 rows, total $18,240"),
    message("m-03", "2026-11-17T16:00:12.000Z", "assistant", "Travel spend last quarter was $18,240 across 41 trips."),
  ]);
  writeLines(join(dir, `${b}.jsonl`), [
    { type: "session", id: b, timestamp: "2026-11-19T10:00:00.000Z" },
    { role: "user", content: "Draft a note to the team about Friday's offsite.", timestamp: "2026-11-19T10:00:03.000Z" },
    { role: "assistant", content: "Here's a draft: \"Friday we're offsite at the lake house...\"", timestamp: "2026-11-19T10:00:08.000Z" },
  ]);
}

rmSync(state, { recursive: true, force: true });
rmSync(workspace, { recursive: true, force: true });
mainAgent();
workAgent();
opsAgent();
clawjsWorkspace();
console.log(`wrote ${state} and ${workspace}`);

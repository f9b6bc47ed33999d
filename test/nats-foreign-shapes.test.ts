/**
 * Streams written by others (STORES.md §3, shapes 1-4, as those plugins write them: no msgID, no
 * registry beside them) read as EVENTS.md says.
 */
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";

let nats: NatsServer;
const T = Date.parse("2026-11-20T10:00:00Z");

beforeAll(async () => {
  nats = await NatsServer.start();
}, 60_000);
afterAll(async () => {
  await closeAllNats();
  await nats?.stop();
});

async function writeStream(name: string, prefix: string, messages: Array<[string, Record<string, unknown>]>) {
  const nc = await connect({ servers: `127.0.0.1:${nats.port}` });
  await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${prefix}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  for (const [subject, data] of messages) await js.publish(`${prefix}.${subject}`, JSON.stringify(data));
  await nc.close();
}

async function eventsOf(stream: string) {
  const page = await querySessionsEvents(contextFor(`${nats.url}/${stream}`, { clearance: "confidential" }), { limit: 500 });
  return page.events.map((e) => ({ session: e.session, seq: e.seq, type: e.type, visibility: e.visibility, payload: e.payload }));
}

describe("foreign JetStream shapes", () => {
  it("shape 1 (the seed's ClawEvent), both spellings of its types", async () => {
    const base = { agent: "viola", session: "agent:viola:main", visibility: "internal", meta: { runId: "r1", seq: 0, stream: "s1" } };
    await writeStream("s1", "openclaw.events", [
      ["viola.lifecycle_start", { ...base, id: "a", timestamp: T, type: "lifecycle.start", payload: {} }],
      ["viola.conversation_message_in", { ...base, id: "a", timestamp: T + 1, type: "conversation.message.in", visibility: "public", payload: { text: "hi" } }],
      ["viola.conversation.tool_call", { ...base, id: "a", timestamp: T + 2, type: "conversation.tool_call", payload: { name: "exec", args: { cmd: "ls" }, toolCallId: "c1" } }],
      ["viola.conversation.tool_result", { ...base, id: "a", timestamp: T + 3, type: "conversation.tool_result", payload: { name: "exec", result: "ok", toolCallId: "c1" } }],
      ["viola.conversation.message_out", { ...base, id: "a", timestamp: T + 4, type: "conversation.message_out", visibility: "public", payload: { text: "done" } }],
      ["viola.lifecycle.session_end", { ...base, id: "a", timestamp: T + 5, type: "lifecycle.session_end", payload: {} }],
    ]);
    const events = await eventsOf("s1");
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, "session_start"], [2, "message"], [3, "tool_call"], [4, "tool_result"], [5, "message"], [6, "session_end"]]);
    expect(events[1]).toMatchObject({ visibility: "public", payload: { role: "user", text: "hi" } });
    expect(events[2]!.payload).toEqual({ toolCallId: "c1", toolName: "exec", args: { cmd: "ls" } });
    expect(events[3]).toMatchObject({ visibility: "internal", payload: { toolName: "exec", text: "ok" } });
    expect(events[4]!.payload).toEqual({ role: "assistant", text: "done" });
  });

  it("shapes 2 and 3 (the plugin: short types, the envelope)", async () => {
    const envelope = (type: string, ts: number, payload: Record<string, unknown>) => ({
      id: "same-id",
      ts,
      agent: "main",
      session: "agent:main:main",
      type,
      canonicalType: type,
      schemaVersion: 1,
      actor: { agentId: "main" },
      scope: { sessionKey: "agent:main:main", sessionId: "sid-3", runId: "r" },
      trace: {},
      visibility: "internal",
      payload,
    });
    await writeStream("s3", "plugin.events", [
      ["main.run_start", envelope("run.start", T, {})],
      ["main.msg_in", envelope("msg.in", T + 1, { from: "ada", content: "status?", channel: "telegram" })],
      ["main.tool_call", envelope("tool.call", T + 2, { toolName: "read", params: { path: "a" } })],
      ["main.tool_result", envelope("tool.result", T + 3, { toolName: "read", params: { path: "a" }, result: null, error: "ENOENT", durationMs: 4 })],
      ["main.llm_output", envelope("llm.output", T + 4, {})],
      ["main.run_error", envelope("run.error", T + 5, { error: "boom" })],
      ["main.run_end", envelope("run.end", T + 6, { success: false, error: "boom", durationMs: 60 })],
    ]);
    const events = await eventsOf("s3");
    expect(events.map((e) => e.type)).toEqual(["session_start", "message", "tool_call", "tool_error", "custom", "error", "session_end"]);
    expect(events[1]!.payload).toEqual({ role: "user", text: "status?" });
    expect(events[2]!.payload).toEqual({ toolCallId: "", toolName: "read", args: { path: "a" } });
    expect(events[3]!.payload).toMatchObject({ toolName: "read", text: "ENOENT", durationMs: 4 });
    expect(events[5]!.payload).toEqual({ message: "boom" });
    expect(events.every((e) => e.visibility === "internal")).toBe(true);
  });

  it("shape 4 (session-sync)", async () => {
    const sync = (type: string, ts: number, payload: Record<string, unknown>) => ({
      id: `x${ts}`,
      timestamp: ts,
      agent: "mona",
      session: "agent:mona:main",
      type,
      visibility: "public",
      payload,
      meta: { source: "session-sync", seq: 0, stream: "s4" },
    });
    await writeStream("s4", "sync.events", [
      ["mona.conversation.message_in", sync("conversation.message_in", T, { role: "user", text_preview: [{ type: "text", text: "hello" }], content_length: 5, sessionId: "sid-4" })],
      ["mona.conversation.tool_call", sync("conversation.tool_call", T + 1, { data: { phase: "start", name: "web", toolCallId: "t9", args: { q: "x" } } })],
      ["mona.conversation.tool_result", sync("conversation.tool_result", T + 2, { data: { phase: "result", name: "web", toolCallId: "t9", result: "found", isError: true } })],
    ]);
    const events = await eventsOf("s4");
    expect(events.map((e) => e.type)).toEqual(["message", "tool_call", "tool_error"]);
    expect(events[0]!.payload).toEqual({ role: "user", text: "hello" });
    expect(events[1]!.payload).toEqual({ toolCallId: "t9", toolName: "web", args: { q: "x" } });
    expect(events[2]!.payload).toMatchObject({ toolCallId: "t9", toolName: "web", text: "found" });
  });
});

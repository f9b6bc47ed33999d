import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-07-01T10:00:00Z");
let store: TempStateDir;

beforeEach(() => {
  store = new TempStateDir();
  store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 } });
  store.transcript("main", "m.jsonl", [
    header("m", T0),
    assistantLine(T0 + 1, [text("reading"), toolCall("c1", "read", { path: "big.txt", note: "n".repeat(5000) })], { stopReason: "toolUse" }),
    toolResultLine(T0 + 2, "c1", "read", `BEGIN${"x".repeat(150_000)}END`),
    userLine(T0 + 3, "thanks"),
  ]);
});
afterEach(() => store.remove());

describe("payload control", () => {
  it("keeps only the asked-for payload fields", async () => {
    const page = await querySessionEvents(contextFor(store.root), { sessionKey: "agent:main:main", types: ["tool_call", "tool_result"], fields: ["toolName", "durationMs", "nope"] });
    expect(page.events.map((e) => e.payload)).toEqual([{ toolName: "read" }, { toolName: "read", durationMs: 1 }]);
    expect(page.events[0]!.id).toBe("m:3");
  });

  it("cuts text at maxFieldChars for this call, default 2000", async () => {
    const ctx = contextFor(store.root);
    const [byDefault] = (await querySessionEvents(ctx, { sessionKey: "agent:main:main", types: ["tool_call"] })).events;
    expect((byDefault!.payload.args as { note: string }).note).toMatch(/^n{2000}…\[truncated: 3000 more chars\]$/);
    const [short] = (await querySessionEvents(ctx, { sessionKey: "agent:main:main", types: ["tool_call"], maxFieldChars: 100 })).events;
    expect((short!.payload.args as { note: string }).note).toMatch(/^n{100}…\[truncated: 4900 more chars\]$/);
    expect(short!.truncated).toBe(true);
  });

  it("fetches one event whole by id, and a payload larger than a page in parts by character offset", async () => {
    const ctx = contextFor(store.root);
    const call = (await querySessionEvents(ctx, { sessionKey: "agent:main:main", eventId: "m:3" })).events[0]!;
    expect((call.payload.args as { note: string }).note).toBe("n".repeat(5000)); // uncut: it fits a page
    expect(call.truncated).toBeUndefined();

    const parts: string[] = [];
    let offset = 0;
    for (let i = 0; i < 20; i++) {
      const page = await querySessionEvents(ctx, { sessionKey: "agent:main:main", eventId: "m:4", offset });
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(ctx.policy.pageBytes);
      const part = page.events[0]!.payload as { json: string; offset: number; totalChars: number; nextOffset?: number };
      expect(part.offset).toBe(offset);
      parts.push(part.json);
      if (part.nextOffset === undefined) break;
      expect(page.notes.join(" ")).toContain(`offset: ${part.nextOffset}`);
      offset = part.nextOffset;
    }
    expect(parts.length).toBeGreaterThan(2);
    const whole = JSON.parse(parts.join("")) as { text: string; toolName: string };
    expect(whole.toolName).toBe("read");
    expect(whole.text).toBe(`BEGIN${"x".repeat(150_000)}END`);
  });

  it("answers an unknown, malformed or invisible event id alike", async () => {
    const ctx = contextFor(store.root, { clearance: "public" });
    const errorOf = (eventId: string) => querySessionEvents(ctx, { eventId }).then(() => "ok", (e: Error) => e.message);
    for (const id of ["m:3", "m:99", "nope:1", "m", "m:-1", "other:2"]) expect(await errorOf(id)).toBe(`No event ${JSON.stringify(id)} visible to you. Use the \`id\` of an event from a page of this tool.`);
    expect(await errorOf("m:5")).toBe("ok"); // the user message is public
  });
});

describe("follow (waitMs)", () => {
  it("returns as soon as an event arrives after the cursor", async () => {
    const ctx = contextFor(store.root);
    const first = await querySessionEvents(ctx, { sessionKey: "agent:main:main", limit: 500 });
    const started = Date.now();
    setTimeout(() => store.append("main", "m.jsonl", [userLine(T0 + 10, "late arrival")]), 300);
    const next = await querySessionEvents(ctx, { sessionKey: "agent:main:main", cursor: first.nextCursor, waitMs: 10_000 });
    expect(next.events.map((e) => e.payload.text)).toEqual(["late arrival"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("returns an empty page with a cursor to continue when nothing arrives in time", async () => {
    const ctx = contextFor(store.root);
    const first = await querySessionsEvents(ctx, { limit: 500 });
    const started = Date.now();
    const empty = await querySessionsEvents(ctx, { cursor: first.nextCursor, waitMs: 700 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(empty.events).toEqual([]);
    store.append("main", "m.jsonl", [userLine(T0 + 20, "later still")]);
    const resumed = await querySessionsEvents(ctx, { cursor: empty.nextCursor });
    expect(resumed.events.map((e) => e.payload.text)).toEqual(["later still"]);
  });

  it("sees a session created while it waits, and stops waiting when the call is cancelled", async () => {
    const ctx = contextFor(store.root);
    const first = await querySessionsEvents(ctx, { limit: 500 });
    setTimeout(() => {
      store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 }, "agent:main:new": { sessionId: "n", updatedAt: T0 + 30 } });
      store.transcript("main", "n.jsonl", [header("n", T0 + 30)]);
    }, 300);
    const page = await querySessionsEvents(ctx, { cursor: first.nextCursor, waitMs: 10_000 });
    expect(page.events.map((e) => e.session)).toEqual(["agent:main:new"]);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await querySessionsEvents(ctx, { cursor: page.nextCursor, waitMs: 20_000 }, { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("needs ascending order and no groupBy", async () => {
    const ctx = contextFor(store.root);
    await expect(querySessionsEvents(ctx, { order: "desc", waitMs: 100 })).rejects.toThrow(/waitMs follows new events, so it needs order "asc" and no groupBy/);
    await expect(querySessionsEvents(ctx, { groupBy: ["type"], waitMs: 100 })).rejects.toThrow(/needs order "asc" and no groupBy/);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const THINKING = "PRIVATE-THOUGHT-7731";
const VAULT_SECRET = "VAULT-RESULT-5512";
const IMAGE_DATA = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
const PG_PASSWORD = "s3cr3t-pg-pass";

let store: TempStateDir;

beforeEach(() => {
  store = new TempStateDir();
  store.registry("main", {
    "agent:main:main": { sessionId: "m", updatedAt: T0 + 10_000 },
    "agent:main:finance": { sessionId: "f", updatedAt: T0 + 10_000 },
  });
  store.transcript("main", "m.jsonl", [
    header("m", T0),
    userLine(T0 + 1, [text("look at this"), { type: "image", data: IMAGE_DATA, mimeType: "image/png" }]),
    assistantLine(T0 + 2, [{ type: "thinking", thinking: THINKING }, text("ok"), toolCall("c1", "vault_read", { path: "db" })]),
    toolResultLine(T0 + 3, "c1", "vault_read", VAULT_SECRET),
    assistantLine(T0 + 4, [toolCall("c2", "exec", { cmd: `AWS_ACCESS_KEY_ID=${AWS_KEY} aws s3 ls`, dsn: `postgres://app:${PG_PASSWORD}@db:5432/x` })]),
    toolResultLine(T0 + 5, "c2", "exec", `connected with password=${PG_PASSWORD}`),
    { type: "thinking_level_change", id: "t1", parentId: null, timestamp: new Date(T0 + 6).toISOString(), thinkingLevel: "high" },
    userLine(T0 + 7, "done"),
  ]);
  store.transcript("main", "f.jsonl", [header("f", T0), userLine(T0 + 1, "finance question")]);
  writeFileSync(
    join(store.root, "policy.json"),
    JSON.stringify({ confidential: [{ tool: "vault_*" }, { session: "agent:main:finance" }] }),
  );
});
afterEach(() => store.remove());

const allEvents = async (clearance: "public" | "internal" | "confidential"): Promise<Page> =>
  querySessionsEvents(contextFor(store.root, { clearance, config: join(store.root, "policy.json") }), { limit: 500 });

describe("visibility", () => {
  it("public clearance sees only public events, no thinking, and counts what it missed", async () => {
    const page = await allEvents("public");
    const json = JSON.stringify(page);
    expect(new Set(page.events.map((e) => e.type))).toEqual(new Set(["session_start", "message"]));
    expect(page.events.every((e) => e.visibility === "public")).toBe(true);
    expect(json).not.toContain(THINKING);
    expect(json).not.toContain(VAULT_SECRET);
    expect(json).not.toContain("finance question");
    // 2 tool calls, 2 tool results, 1 state_change (internal) + 2 finance events (confidential rule)
    expect(page.hiddenByVisibility).toBe(7);
    // the last page's cursor passes the hidden events, so polling does not count them again
    const again = await querySessionsEvents(contextFor(store.root, { clearance: "public", config: join(store.root, "policy.json") }), {
      limit: 500,
      cursor: page.nextCursor,
    });
    expect(again.events).toEqual([]);
    expect(again.hiddenByVisibility).toBe(0);
  });

  it("internal clearance adds tool and state events and thinking, but not what the confidential rules cover", async () => {
    const page = await allEvents("internal");
    const json = JSON.stringify(page);
    expect(json).toContain(THINKING);
    expect(json).not.toContain(VAULT_SECRET);
    expect(json).not.toContain("finance question");
    expect(page.events.filter((e) => e.type === "tool_call").map((e) => e.payload.toolName)).toEqual(["exec"]);
    expect(page.events.some((e) => e.type === "state_change")).toBe(true);
    expect(page.hiddenByVisibility).toBe(4);
  });

  it("confidential clearance sees everything, unredacted, but never image data", async () => {
    const page = await allEvents("confidential");
    const json = JSON.stringify(page);
    expect(page.hiddenByVisibility).toBe(0);
    expect(json).toContain(VAULT_SECRET);
    expect(json).toContain(AWS_KEY);
    expect(json).toContain(PG_PASSWORD);
    expect(json).not.toContain(IMAGE_DATA);
    expect(page.events.filter((e) => e.visibility === "confidential")).toHaveLength(4);
  });

  it("redacts credentials below confidential clearance and marks the event", async () => {
    const page = await allEvents("internal");
    const json = JSON.stringify(page);
    expect(json).not.toContain(AWS_KEY);
    expect(json).not.toContain(PG_PASSWORD);
    expect(json).not.toContain(IMAGE_DATA);
    const call = page.events.find((e) => e.type === "tool_call")!;
    expect(call.redacted).toBe(true);
    expect(call.payload.args).toEqual({
      cmd: "AWS_ACCESS_KEY_ID=[REDACTED:aws_access_key_id] aws s3 ls",
      dsn: "postgres://app:[REDACTED:url_password]@db:5432/x",
    });
    expect(page.redactedEvents).toBe(2);
  });

  it("a session whose every event is confidential reads as an empty page that counts them", async () => {
    const ctx = contextFor(store.root, { clearance: "internal", config: join(store.root, "policy.json") });
    const page = await querySessionEvents(ctx, { sessionKey: "agent:main:finance" });
    expect(page.events).toEqual([]);
    expect(page.hiddenByVisibility).toBe(2);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { openStore } from "../src/sources/open-store.js";
import { contextFor } from "./helpers/context.js";
import { FIXTURE_T0, richAgentFixture, writeFilesAgent } from "./helpers/fixture-sessions.js";
import { TempStateDir } from "./helpers/temp-store.js";

const at = (s: number) => new Date(FIXTURE_T0 + s * 1000).toISOString();
let workspace: string;

function conversationFile(dir: string, id: string, lines: unknown[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
}

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), "clawjs-"));
  const dir = join(workspace, ".clawjs", "conversations");
  conversationFile(dir, "clawjs-aaa", [
    { type: "session", id: "clawjs-aaa", timestamp: at(0), title: "Budget review" },
    { type: "message", id: "m1", timestamp: at(1), message: { role: "user", content: [{ type: "text", text: "pull travel spend" }] } },
    { type: "message", id: "m2", timestamp: at(2), message: { role: "tool", content: [{ type: "text", text: "41 rows" }] } },
    { type: "message", id: "m3", timestamp: at(3), message: { role: "assistant", content: "Spend was $18,240." } },
    { type: "message", id: "m4", timestamp: at(4), message: { role: "system", content: [{ type: "text", text: "context trimmed" }] } },
  ]);
  conversationFile(dir, "clawjs-bbb", [
    { type: "session", id: "clawjs-bbb", timestamp: at(10) },
    { role: "user", content: "Draft the offsite note, please", timestamp: at(11) },
    { role: "assistant", content: "Draft: ...", timestamp: at(15) },
  ]);
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

describe("ClawJS workspaces", () => {
  it("lists conversations as sessions of one agent, titled by header or first user message, updated at the last message", async () => {
    const { sessions } = await openStore(`clawjs:${workspace}`).list();
    const rows = sessions.map((s) => [s.key, s.agent, s.sessionId, s.source, s.label, s.updatedAt]).sort();
    expect(rows).toEqual([
      ["agent:clawjs:clawjs-aaa", "clawjs", "clawjs-aaa", "clawjs", "Budget review", FIXTURE_T0 + 4000],
      ["agent:clawjs:clawjs-bbb", "clawjs", "clawjs-bbb", "clawjs", "Draft the offsite note, please", FIXTURE_T0 + 15_000],
    ]);
  });

  it("maps lines like unwrapped ones: role tool becomes tool_result, flat lines and string content work", async () => {
    const page = await querySessionEvents(contextFor(`clawjs:${workspace}`), { sessionKey: "clawjs-aaa" });
    expect(page.events.map((e) => [e.seq, e.type, e.payload])).toEqual([
      [1, "session_start", { title: "Budget review" }],
      [2, "message", { role: "user", text: "pull travel spend" }],
      [3, "tool_result", { text: "41 rows" }],
      [4, "message", { role: "assistant", text: "Spend was $18,240." }],
      [5, "message", { role: "system", text: "context trimmed" }],
    ]);
    const flat = await querySessionEvents(contextFor(`clawjs:${workspace}`), { sessionKey: "agent:clawjs:clawjs-bbb" });
    expect(flat.events.map((e) => e.payload.text ?? e.type)).toEqual(["session_start", "Draft the offsite note, please", "Draft: ..."]);
  });

  it("is found by `clawjs:PATH`, by the conversations dir itself, and automatically for a dir holding .clawjs/conversations", async () => {
    for (const spec of [`clawjs:${workspace}`, `clawjs:${join(workspace, ".clawjs", "conversations")}`, workspace]) {
      const { sessions } = await openStore(spec).list();
      expect(sessions.map((s) => s.sessionId).sort(), spec).toEqual(["clawjs-aaa", "clawjs-bbb"]);
    }
  });

  it("takes its agent id from the config, and combines with an OpenClaw state dir in one server", async () => {
    const state = new TempStateDir();
    try {
      writeFilesAgent(state, "main", richAgentFixture());
      const config = join(state.root, "config.json");
      writeFileSync(config, JSON.stringify({ clawjsAgentId: "desk" }));
      const ctx = contextFor([state.root, `clawjs:${workspace}`], { config });
      const page = await querySessionsEvents(ctx, { types: ["session_start"], limit: 500 });
      expect(new Set(page.events.map((e) => e.agent))).toEqual(new Set(["main", "desk"]));
      expect(page.events.filter((e) => e.agent === "desk").map((e) => e.session).sort()).toEqual(["agent:desk:clawjs-aaa", "agent:desk:clawjs-bbb"]);
      expect(new Set(page.events.map((e) => e.meta?.source))).toEqual(new Set(["openclaw-files", "clawjs"]));
    } finally {
      state.remove();
    }
  });

  it("says clearly when a store does not exist", () => {
    expect(() => openStore(join(workspace, "nope"))).toThrow(/store .*nope does not exist \(pass --store DIR: an OpenClaw state dir or clawjs:WORKSPACE\)/);
  });
});

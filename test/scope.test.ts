import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { contextFor } from "./helpers/context.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-05-01T08:00:00Z");
let store: TempStateDir;

/** main spawned child, child spawned grand; other is unrelated; work:main is another agent. */
beforeEach(() => {
  store = new TempStateDir();
  store.registry("main", {
    "agent:main:main": { sessionId: "id-main", updatedAt: T0 },
    "agent:main:subagent:child": { sessionId: "id-child", updatedAt: T0, spawnedBy: "agent:main:main" },
    "agent:main:subagent:grand": { sessionId: "id-grand", updatedAt: T0, parentSessionKey: "agent:main:subagent:child" },
    "agent:main:other": { sessionId: "id-other", updatedAt: T0 },
  });
  store.registry("work", { "agent:work:main": { sessionId: "id-work", updatedAt: T0, spawnedBy: "agent:main:main" } });
  for (const id of ["id-main", "id-child", "id-grand", "id-other"]) store.transcript("main", `${id}.jsonl`, conversation(id, T0, 1));
  store.transcript("work", "id-work.jsonl", conversation("id-work", T0, 1));
});
afterEach(() => store.remove());

const sessionsOf = async (ctx: ReturnType<typeof contextFor>, input: Parameters<typeof querySessionsEvents>[1] = {}) =>
  [...new Set((await querySessionsEvents(ctx, { limit: 500, ...input })).events.map((e) => e.session))].sort();

describe("scope", () => {
  it("tree (the default) sees its own session and everything spawned from it, across agents, and nothing else", async () => {
    const ctx = contextFor(store.root, { caller: "agent:main:main" });
    expect(ctx.principal.scope).toBe("tree");
    expect(await sessionsOf(ctx)).toEqual(["agent:main:main", "agent:main:subagent:child", "agent:main:subagent:grand", "agent:work:main"]);
    expect(await sessionsOf(ctx, { spawnedBy: "current" })).toEqual(["agent:main:subagent:child", "agent:work:main"]);
    expect(await sessionsOf(ctx, { spawnedBy: "current", descendants: true })).toEqual([
      "agent:main:subagent:child",
      "agent:main:subagent:grand",
      "agent:work:main",
    ]);
    const child = contextFor(store.root, { caller: "agent:main:subagent:child" });
    expect(await sessionsOf(child)).toEqual(["agent:main:subagent:child", "agent:main:subagent:grand"]);
  });

  it("agent sees every session of its agent; all sees everything; no caller is an operator with scope all", async () => {
    expect(await sessionsOf(contextFor(store.root, { caller: "agent:main:other", scope: "agent" }))).toEqual([
      "agent:main:main",
      "agent:main:other",
      "agent:main:subagent:child",
      "agent:main:subagent:grand",
    ]);
    expect(await sessionsOf(contextFor(store.root, { caller: "agent:main:other", scope: "all" }))).toHaveLength(5);
    const operator = contextFor(store.root, { scope: "self" });
    expect(operator.principal).toEqual({ scope: "all", clearance: "internal" });
    expect(await sessionsOf(operator)).toHaveLength(5);
    await expect(querySessionEvents(operator, {})).rejects.toThrow(/no caller session.*Name a session key/);
  });

  it("a self caller cannot reach another session by key, case tricks, pattern, session id, spawnedBy or list", async () => {
    const ctx = contextFor(store.root, { caller: "agent:main:subagent:child", scope: "self" });
    const attempts = [
      "agent:main:main",
      "AGENT:MAIN:MAIN",
      "id-main",
      "id-other",
      "agent:main:subagent:grand",
      "main",
      "agent:work:main",
    ];
    const errorOf = (sessionKey: string) =>
      querySessionEvents(ctx, { sessionKey }).then(
        () => "no error",
        (e: Error) => e.message,
      );
    const nonexistent = await errorOf("agent:main:does-not-exist");
    expect(nonexistent).toMatch(/^No session "agent:main:does-not-exist" visible to you/);
    for (const sessionKey of attempts) {
      const message = await errorOf(sessionKey);
      // the very same answer as for a session that does not exist, apart from the echoed key
      expect(message).toBe(nonexistent.replace("agent:main:does-not-exist", sessionKey));
    }
    const own = ["agent:main:subagent:child"];
    const patterns: Array<[string, string[]]> = [
      ["*", own],
      ["agent:main:*", own],
      ["*main*", own],
      ["AGENT:*", own],
      ["*:grand", []],
      ["id-main", []],
      ["agent:work:*", []],
    ];
    for (const [pattern, expected] of patterns) expect(await sessionsOf(ctx, { sessionKey: pattern })).toEqual(expected);
    expect(await sessionsOf(ctx, { sessionKey: ["agent:main:main", "agent:main:other", "current"] })).toEqual(["agent:main:subagent:child"]);
    await expect(querySessionsEvents(ctx, { spawnedBy: "agent:main:main" })).rejects.toThrow(/No session "agent:main:main" visible to you/);
    expect(await sessionsOf(ctx, { spawnedBy: "current", descendants: true })).toEqual([]);
    expect(await sessionsOf(ctx, { agentId: "work" })).toEqual([]);
  });

  it("a cursor minted for another principal or another query does not work", async () => {
    const operator = contextFor(store.root);
    const page = await querySessionsEvents(operator, { limit: 2 });
    const selfCaller = contextFor(store.root, { caller: "agent:main:subagent:child", scope: "self" });
    await expect(querySessionsEvents(selfCaller, { limit: 2, cursor: page.nextCursor })).rejects.toThrow(/different query or caller/);
    const mine = await querySessionsEvents(selfCaller, { limit: 2 });
    await expect(querySessionsEvents(operator, { limit: 2, cursor: mine.nextCursor })).rejects.toThrow(/different query or caller/);
    const otherKey = await querySessionEvents(operator, { sessionKey: "agent:main:main", limit: 1 });
    await expect(querySessionEvents(operator, { sessionKey: "agent:main:other", limit: 1, cursor: otherKey.nextCursor })).rejects.toThrow(
      /different query: sessionKey is "agent:main:other" in this call but "agent:main:main"/,
    );
  });

  it("survives a spawnedBy cycle in the registry", async () => {
    store.registry("main", {
      "agent:main:x": { sessionId: "id-x", updatedAt: T0, spawnedBy: "agent:main:y" },
      "agent:main:y": { sessionId: "id-y", updatedAt: T0, spawnedBy: "agent:main:x" },
    });
    store.transcript("main", "id-x.jsonl", conversation("id-x", T0, 1));
    store.transcript("main", "id-y.jsonl", conversation("id-y", T0, 1));
    const ctx = contextFor(store.root, { caller: "agent:main:x" });
    expect(await sessionsOf(ctx, { sessionKey: "agent:main:*" })).toEqual(["agent:main:x", "agent:main:y"]);
  });
});

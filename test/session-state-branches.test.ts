/**
 * session_state's context follows the active branch (EVENTS.md "Branches", issue 23): the parent chain
 * from the last entry (or the last `leaf` target) back to the root, cut at the last compaction on it.
 * The projection is tested on events with their entry links; the whole path on real files (own pi v3
 * fixtures and the real excerpts), once the normalizer gives each event its line's parentId.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventType, SessionEvent } from "../src/contract/event.js";
import { PROJECTION_LIMITS, projectState, SessionProjection, type EntryLinks, type StateEvent } from "../src/engine/session-state/project.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { newReadStats } from "../src/sources/session.js";
import { PROJECT_ROOT } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, at, chainParents, entry, header, text, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const MAIN = "agent:main:main";
const T0 = Date.parse("2026-05-04T10:00:00Z");

/** Builds the events of a log, one a call, each with its position and entry links. */
class Log {
  readonly events: StateEvent[] = [];

  add(type: EventType, payload: Record<string, unknown>, links: EntryLinks = {}): this {
    const position = this.events.length + 1;
    const event: SessionEvent = {
      id: `e${position}`,
      seq: position,
      timestamp: T0 + position,
      time: at(T0 + position),
      agent: "main",
      session: MAIN,
      sessionId: "s-1",
      type,
      visibility: "public",
      payload,
    };
    this.events.push({ position, event, ...links });
    return this;
  }

  /** A message entry `id` with `parent` (undefined: the line names none). */
  message(id: string | undefined, parent?: string | null): this {
    const links: EntryLinks = {};
    if (id !== undefined) links.entryId = id;
    if (parent !== undefined) links.parentId = parent;
    return this.add("message", { role: "user", text: id ?? "" }, links);
  }

  leaf(id: string, target: string | null): this {
    return this.add("state_change", { key: "leaf", value: target }, { entryId: id, leafTarget: target });
  }

  compaction(id: string, parent: string, firstKeptEntryId: string): this {
    return this.add("compaction", { firstKeptEntryId, tokensBefore: 1 }, { entryId: id, parentId: parent });
  }

  context(lastMessages = 50): string[] {
    return projectState(this.events, lastMessages).lastMessages.map((m) => m.text);
  }
}

/** A chain m1 <- m2 <- ... <- m<n>. */
const chain = (n: number, log = new Log()) => {
  for (let i = 1; i <= n; i++) log.message(`m${i}`, i === 1 ? null : `m${i - 1}`);
  return log;
};

describe("the projection follows the active branch", () => {
  it("a linear chain is all in context; lines that name no parent (v1) follow the file order", () => {
    expect(chain(4).context()).toEqual(["m1", "m2", "m3", "m4"]);
    const v1 = new Log().message(undefined).message(undefined).message(undefined);
    expect(projectState(v1.events, 50).messagesInContext).toBe(3);
    // a line reusing an earlier line's id is a new entry (and the id names the newer one)
    expect(chain(2).message("m1", "m2").message("m3", "m1").context()).toEqual(["m1", "m2", "m1", "m3"]);
  });

  it("a new entry whose parent is not the last entry rewinds: the abandoned messages leave the context, not the totals", () => {
    const log = chain(3).message("m4", "m1");
    const state = projectState(log.events, 50);
    expect(log.context()).toEqual(["m1", "m4"]);
    expect(state.messagesInContext).toBe(2);
    expect(state.totals.messages).toEqual({ user: 4 });
    // and back onto the first branch
    log.message("m5", "m3");
    expect(log.context()).toEqual(["m1", "m2", "m3", "m5"]);
  });

  it("a leaf line rewinds to its target, also as the last line; a null target empties the context", () => {
    expect(chain(3).leaf("rw", "m1").context()).toEqual(["m1"]);
    expect(chain(3).leaf("rw", null).context()).toEqual([]);
    expect(projectState(chain(3).leaf("rw", null).events, 50).messagesInContext).toBe(0);
    // the leaf-reset-metadata shape: the next entry's parent is the target; an unknown target changes nothing
    expect(chain(2).leaf("rw", "m1").message("u2", "m1").context()).toEqual(["m1", "u2"]);
    expect(chain(2).leaf("rw", "nowhere").context()).toEqual(["m1", "m2"]);
    // an entry naming the leaf line as its parent continues from its target
    expect(chain(3).leaf("rw", "m2").message("m4", "rw").context()).toEqual(["m1", "m2", "m4"]);
  });

  it("a compaction cuts the branch it is on, not a branch rewound to", () => {
    const log = chain(5).compaction("c1", "m5", "m4").message("m6", "c1");
    expect(log.context()).toEqual(["m4", "m5", "m6"]);
    expect(projectState(log.events, 50).compactions.count).toBe(1);
    log.message("m7", "m3"); // rewound to before the compaction: its cut does not apply
    expect(log.context()).toEqual(["m1", "m2", "m3", "m7"]);
    // a first kept entry that is not on the compaction's chain cuts nothing, and a note says so
    const offChain = chain(3).message("x1", "m1").compaction("c2", "x1", "m3").message("x2", "c2");
    const state = projectState(offChain.events, 50);
    expect(offChain.context()).toEqual(["m1", "x1", "x2"]);
    expect(state.notes.join(" ")).toContain('"m3", which is not an entry before it on its branch');
  });

  it("entries the caller may not see still carry the branch", () => {
    const projection = new SessionProjection();
    for (const event of chain(2).events) projection.apply(event);
    projection.applyHidden({ entryId: "h1", parentId: "m2" }, "s-1"); // e.g. a thinking level change
    projection.applyHidden({ entryId: "rw", leafTarget: "m1" }, "s-1"); // a rewind the caller may not see
    const m3 = new Log().message("m3", "h1").events[0]!;
    const m4 = new Log().message("m4", "m1").events[0]!;
    projection.apply({ ...m3, position: 3 }).apply({ ...m4, position: 4 });
    expect(projection.view(50).lastMessages.map((m) => m.text)).toEqual(["m1", "m4"]);
  });

  it("messages older than those kept are asked for again (by position) when a rewind reaches back to them", () => {
    const n = PROJECTION_LIMITS.kept + 40;
    const log = chain(n).message("late", "m10");
    const projection = new SessionProjection();
    for (const event of log.events) projection.apply(event);
    const needed = projection.recallNeeded(5);
    expect([...needed].sort((a, b) => a - b)).toEqual([7, 8, 9, 10]);
    expect(projection.view(5).notes.join(" ")).toContain("4 older message(s) in context were not read again");
    for (const position of needed) projection.recall(log.events[position - 1]!);
    expect(projection.view(5).lastMessages.map((m) => m.text)).toEqual(["m7", "m8", "m9", "m10", "late"]);
    expect(projection.view(5).messagesInContext).toBe(11);
  });
});

/** Whether the normalizer gives events their line's parentId yet (the lead's change to the sources). */
async function normalizerGivesParents(): Promise<boolean> {
  const probe = new TempStateDir();
  try {
    probe.registry("main", { [MAIN]: { sessionId: "probe", updatedAt: T0 } });
    probe.transcript("main", "probe.jsonl", [header("probe", T0), userLine(T0 + 1, "hi")]);
    const [session] = await contextFor(probe.root, { caller: MAIN }).listSessions();
    for await (const event of session!.events({ stats: newReadStats() })) {
      if (event.type === "message") return (event.detail as { parentId?: unknown } | undefined)?.parentId !== undefined;
    }
    return false;
  } finally {
    probe.remove();
  }
}
const WITH_PARENTS = await normalizerGivesParents();
const NEEDS_PARENTS = "(needs the normalizer's detail.parentId: skipped until it gives one)";
const REALDATA = join(PROJECT_ROOT, "..", "shared", "realdata", "stores");
const HAS_REALDATA = existsSync(REALDATA);
if (!HAS_REALDATA) console.warn(`session-state-branches: ${REALDATA} is absent; the tests over real excerpts are skipped.`);

describe("session_state on real files", () => {
  let store: TempStateDir;
  beforeAll(() => {
    store = new TempStateDir();
    const lines: Array<Record<string, unknown>> = [header("s-branch", T0)];
    const turns: Array<Record<string, unknown>> = [];
    for (let i = 0; i < PROJECTION_LIMITS.kept; i++) {
      const user = userLine(T0 + 1000 * (2 * i + 1), `q${i}`);
      turns.push(user);
      lines.push(user, assistantLine(T0 + 1000 * (2 * i + 2), [text(`a${i}`)]));
    }
    // rewound to the third question (far behind the messages kept), then answered anew
    lines.push(entry("leaf", T0 + 600_000, { targetId: turns[2]!.id, appendParentId: turns[2]!.id }));
    lines.push(assistantLine(T0 + 601_000, [text("new answer")], {}));
    (lines.at(-1) as { parentId: unknown }).parentId = turns[2]!.id;
    store.registry("main", { [MAIN]: { sessionId: "s-branch", updatedAt: T0 + 601_000 } });
    store.transcript("main", "s-branch.jsonl", chainParents(lines));
  });
  afterAll(() => store.remove());

  it.skipIf(!WITH_PARENTS)(`a rewind far back: the context is the old branch, its messages read again ${NEEDS_PARENTS}`, async () => {
    const state = await querySessionState(contextFor(store.root, { caller: MAIN }), { lastMessages: 4 });
    expect(state.messagesInContext).toBe(6);
    expect(state.lastMessages.map((m) => m.text)).toEqual(["a0", "q1", "a1", "q2", "new answer"].slice(-4));
    expect(state.totals.messages).toEqual({ user: PROJECTION_LIMITS.kept, assistant: PROJECTION_LIMITS.kept + 1 });
    expect(state.notes).toEqual([]);
  });

  it("before the rewind line, every message is in context (the lines are read as they come)", async () => {
    const state = await querySessionState(contextFor(store.root, { caller: MAIN }), { atSeq: 1 + 2 * PROJECTION_LIMITS.kept, lastMessages: 2 });
    expect(state.messagesInContext).toBe(2 * PROJECTION_LIMITS.kept);
    expect(state.lastMessages.map((m) => m.text)).toEqual([`q${PROJECTION_LIMITS.kept - 1}`, `a${PROJECTION_LIMITS.kept - 1}`]);
  });

  it.skipIf(!HAS_REALDATA || !WITH_PARENTS)(`leaf-reset-metadata: the abandoned reply is not in context ${NEEDS_PARENTS}`, async () => {
    const state = await querySessionState(contextFor(join(REALDATA, "leaf-reset-metadata"), { caller: MAIN }), { lastMessages: 50 });
    expect(state.lastMessages.map((m) => m.text)).toEqual(["keep", "before reset", "after reset"]);
    expect(state.messagesInContext).toBe(3);
    expect(state.totals.messages).toEqual({ user: 3, assistant: 1 });
  });

  it.skipIf(!HAS_REALDATA)("pi-v1 (no id/parentId): the file order is the branch", async () => {
    const key = "agent:main:pi-before-compaction";
    const ctx = contextFor(join(REALDATA, "pi-v1"), { caller: key });
    const state = await querySessionState(ctx, { sessionKey: key, lastMessages: 3 });
    const messages = Object.values(state.totals.messages).reduce((a, b) => a + b, 0);
    expect(state.messagesInContext).toBe(messages);
    const [session] = (await ctx.listSessions()).filter((s) => s.key === key);
    const inOrder: string[] = [];
    for await (const event of session!.events({ stats: newReadStats() })) if (event.type === "message") inOrder.push(event.id);
    expect(state.lastMessages.map((m) => m.id)).toEqual(inOrder.slice(-3));
  });
});


import { appendFileSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { openCacheDir } from "../src/sources/cache-dir.js";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import type { Page } from "../src/contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { flushIndexes, IndexStore } from "../src/sources/index/index-store.js";
import { newReadStats } from "../src/sources/session.js";
import { FileRead } from "../src/sources/transcript/file-read.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";
import { allPages, storeWithCaches } from "./helpers/cache-dirs.js";
import { agentDatabasePathIn } from "./helpers/fixture-sessions.js";

/**
 * Transcripts are appended to, but a person may still edit one: scrub a leaked key with `sed -i`, or
 * fix a line in an editor. An edit that keeps the file's size leaves the head and the indexed end as
 * they were, so the fingerprint alone cannot tell; what the index and the lines kept in memory say
 * must not outlive the content they were read from, in a running server or in the next process.
 */

const T0 = Date.parse("2026-03-03T03:00:00Z");
const KEY = "agent:main:main";
const SECRET = "sk-live-0123456789abcdef";
const SCRUBBED = "sk-live-****************";
const fixture = storeWithCaches();
const app = fixture.app;

/** Turns a minute apart (user, a tool call, its result), long enough for an index of several intervals. */
function session(turns: number): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [header("s1", T0)];
  for (let i = 0; i < turns; i++) {
    const t = T0 + (i + 1) * 60_000;
    lines.push(userLine(t, `question ${i} ${"q".repeat(200)}`));
    lines.push(assistantLine(t + 1000, [text(`answer ${i}`), toolCall(`c${i}`, "exec", { n: i })], { stopReason: "toolUse" }));
    const output = i === Math.floor(turns / 2) ? `export KEY=${SECRET}` : `output ${i} ${"o".repeat(300)}`;
    lines.push(toolResultLine(t + 2000, `c${i}`, "exec", output, false));
  }
  return lines;
}

/** What users ask: every event, the last hour, the newest results, a window over every session, counts by type. */
async function answers(ctx: AppContext) {
  const events = await allPages(ctx, KEY, 200);
  const lastHour = await querySessionEvents(ctx, { sessionKey: KEY, since: T0 + 600 * 60_000, limit: 20 });
  const newest = await querySessionEvents(ctx, { sessionKey: KEY, order: "desc", types: ["tool_result", "tool_error"], limit: 400 });
  const everywhere = await querySessionsEvents(ctx, { sessionKey: "*", since: T0 + 340 * 60_000, until: T0 + 360 * 60_000, limit: 100 });
  const counts = await querySessionsEvents(ctx, { groupBy: ["type"] });
  const brief = (of: Page["events"]) => of.map((e) => `${e.seq} ${e.type} ${JSON.stringify(e.payload)}`);
  return {
    payloads: brief(events),
    lastHour: lastHour.events.map((e) => `${e.seq} ${e.type}`),
    newest: brief(newest.events),
    everywhere: brief(everywhere.events),
    counts: Object.fromEntries((counts.groups ?? []).map((g) => [String(g.key.type), g.count])),
  };
}

describe("a transcript appended to", () => {
  it("keeps its index, in a running server and in the next process (only what is new is read)", async () => {
    const lines = session(720);
    const path = fixture.store.transcript("main", "s1.jsonl", lines.slice(0, 1 + 3 * 700));
    fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: T0 + 721 * 60_000 } });
    const running = app();
    await allPages(running, KEY, 200); // indexes it all
    fixture.store.append("main", "s1.jsonl", lines.slice(1 + 3 * 700));
    flushIndexes();
    const size = statSync(path).size;
    for (const ctx of [running, app(running.cacheDir)]) {
      const workDone = newReadStats();
      const page = await querySessionEvents({ ...ctx, workDone }, { sessionKey: KEY, since: T0 + 705 * 60_000, limit: 50 });
      expect(page.events[0]!.seq).toBe(1 + 4 * 704 + 1); // the session start, then four events a turn
      expect(workDone.bytesRead).toBeGreaterThan(0);
      expect(workDone.bytesRead).toBeLessThan(size / 10);
    }
  });
});

describe("a transcript rewritten to the same size", () => {
  for (const how of ["in place", "by rename", "in place, its modification time put back"] as const) {
    it(`is read anew, ${how}, by a running server and by the next process`, async () => {
      const path = fixture.store.transcript("main", "s1.jsonl", session(700));
      const written = new Date(T0 + 701 * 60_000); // whole seconds: a time that can be put back exactly
      utimesSync(path, written, written);
      fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: written.getTime() } });
      expect(statSync(path).size).toBeGreaterThan(4 * 128 * 1024); // several index intervals

      const running = app();
      const before = await answers(running);
      expect(before.payloads.join("\n")).toContain(SECRET);
      expect(before.counts.tool_error).toBeUndefined();
      flushIndexes(); // the index files a next process finds

      // the key scrubbed, and one result turned into an error: `"isError":false` -> `"isError": true`
      const original = readFileSync(path, "utf8");
      const edited = original.replace(SECRET, SCRUBBED).replace('"isError":false', '"isError": true');
      expect(edited.length).toBe(original.length);
      if (how === "by rename") {
        writeFileSync(`${path}.tmp`, edited);
        renameSync(`${path}.tmp`, path);
      } else writeFileSync(path, edited);
      if (how === "in place, its modification time put back") utimesSync(path, written, written);

      const truth = await answers(app()); // nothing cached
      expect(truth.payloads.join("\n")).not.toContain(SECRET);
      expect(truth.counts.tool_error).toBe(1);
      expect(await answers(running)).toEqual(truth);
      expect(await answers(app(running.cacheDir))).toEqual(truth);
    });
  }
});

describe("an edit in place during a transcript's first read", () => {
  it("is seen by the next query (the index is checked against the file as it was when the read began)", async () => {
    const path = fixture.store.transcript("main", "s1.jsonl", session(700));
    fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: T0 + 701 * 60_000 } });
    const running = app();
    const [session1] = await running.listSessions();
    const read = session1!.events({ stats: newReadStats() })[Symbol.asyncIterator]();
    for (let i = 0; i < 100; i++) await read.next(); // the read is under way, its index not yet saved
    const original = readFileSync(path, "utf8");
    writeFileSync(path, original.replace(SECRET, SCRUBBED).replace('"isError":false', '"isError": true'));
    while (!(await read.next()).done); // it reads on to the end (partly the old file, partly the new) and saves its index
    const truth = await answers(app());
    expect(truth.counts.tool_error).toBe(1);
    expect(await answers(running)).toEqual(truth);
  });
});

describe("an edit in place while the agent appends", () => {
  it("gives a walk's next page the text the file now holds (not the lines the server kept for it)", async () => {
    const path = fixture.store.transcript("main", "s1.jsonl", session(300));
    fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: T0 + 301 * 60_000 } });
    const running = app();
    // the session's start and 10 turns of 4 events: the server read on to the 11th turn's question to
    // know there is more, and keeps that line for the next page
    const first = await querySessionEvents(running, { sessionKey: KEY, limit: 41 });
    expect(first.events.at(-1)!.payload.toolCallId).toBe("c9");
    // that question asked again in capitals (the same size), and a line appended
    const question = '"question 10 ';
    writeFileSync(path, readFileSync(path, "utf8").replace(question, question.toUpperCase()));
    appendFileSync(path, `${JSON.stringify(userLine(T0 + 302 * 60_000, "one more"))}\n`);
    const second = await querySessionEvents(running, { sessionKey: KEY, limit: 100, cursor: first.nextCursor });
    const texts = second.events.map((e) => String(e.payload.text ?? ""));
    expect(texts.some((t) => t.startsWith(question.slice(1).toUpperCase()))).toBe(true);
    expect(texts.some((t) => t.startsWith(question.slice(1)))).toBe(false);
  });
});

describe("an agent database put in place of another", () => {
  it("is read anew, though the session holds as many rows as before", async () => {
    const path = agentDatabasePathIn(fixture.store, "main");
    const writeDatabase = (file: string, edit: (line: string, i: number) => string) => {
      const db = new AgentDatabaseWriter(file);
      db.node({ key: KEY, entry: { sessionId: "s1", updatedAt: T0 + 701 * 60_000 } });
      db.append("s1", session(700).map((line, i) => edit(JSON.stringify(line), i)));
      db.close();
    };
    writeDatabase(path, (line) => line);
    const running = app();
    const before = await answers(running);
    expect(before.payloads.join("\n")).toContain(SECRET);
    flushIndexes();
    // a copy restored over it: the key scrubbed, a result turned into an error, as many rows
    const result = 3 + 3 * 100; // turn 100's tool result
    writeDatabase(`${path}.restored`, (line, i) => line.replace(SECRET, SCRUBBED).replace('"isError":false', i === result ? '"isError":true' : "$&"));
    renameSync(`${path}.restored`, path);
    const truth = await answers(app());
    expect(truth.payloads.join("\n")).not.toContain(SECRET);
    expect(truth.counts.tool_error).toBe(1);
    expect(await answers(running)).toEqual(truth);
    expect(await answers(app(running.cacheDir))).toEqual(truth);
  });
});

describe("a file system that gives a file another inode number each time it is looked at", () => {
  /** A transcript read as such a file system shows it (with whole-second times, if `coarse`). */
  class NewInodeEachLook extends FileRead {
    private looks = 0;
    coarse = false;
    override stamp() {
      const stamp = super.stamp();
      return { ...stamp, holder: `${stamp.holder}-${this.looks++}`, changedTells: stamp.changedTells && !this.coarse };
    }
  }

  it("keeps an unchanged transcript's index, and still reads anew one put in its place", async () => {
    const path = fixture.store.transcript("main", "s1.jsonl", session(700));
    fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: T0 + 701 * 60_000 } });
    const first = app();
    await allPages(first, KEY, 200); // indexes it
    const { cacheDir } = first;
    flushIndexes();
    const load = (coarse = false) => {
      const read = new NewInodeEachLook(dirname(path), path);
      read.coarse = coarse;
      return new IndexStore(openCacheDir(cacheDir).cache!.indexes).load(read);
    };
    const kept = load();
    expect(kept.end).toBe(statSync(path).size);
    expect(kept.intervals.length).toBeGreaterThan(1);
    // where times are whole seconds, another file could have them: the inode number decides
    expect(load(true).end).toBe(0);
    // the very same bytes, saved by rename: another file, whatever its inode number says
    writeFileSync(`${path}.tmp`, readFileSync(path));
    renameSync(`${path}.tmp`, path);
    expect(load().end).toBe(0);
  });
});

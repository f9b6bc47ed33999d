/**
 * What the cache keeps (index files and the indexes in memory, the lines and resume points a running
 * server keeps between pages, rollups, its listing) against a transcript that changes under it in
 * every way a file can: appended to (whole lines, half a line, then the rest of it), edited in place
 * with or without a change of size, replaced by rename, cut back, touched; one change or several
 * between two queries. After them, a running server and a new process on the same cache dir answer
 * exactly as a process with no cache does, but where the README says they cannot tell an edit in
 * place from an append: then every event's text is still the file's. Seeded: FUZZ_SEED replays a run.
 */
import { appendFileSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import type { Page } from "../src/contract/page.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { flushIndexes } from "../src/sources/index/index-store.js";
import { FUZZ_SEED } from "./helpers/fuzz-arbitraries.js";
import { assistantLine, conversation, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { allPages, storeWithCaches } from "./helpers/cache-dirs.js";

const T0 = Date.parse("2026-04-04T04:00:00Z");
const KEY = "agent:main:main";
const fixture = storeWithCaches();
const app = fixture.app;

/** Turn i of the session, a minute after turn i-1: a question, a tool call, its result (an error now and then). */
function turn(i: number): string[] {
  const t = T0 + (i + 1) * 60_000;
  return [
    userLine(t, `question ${i} ${"q".repeat(150 + (i % 5) * 40)}`),
    assistantLine(t + 1000, [text(`answer ${i}`), toolCall(`c${i}`, i % 3 ? "read" : "exec", { n: i })], { stopReason: "toolUse" }),
    toolResultLine(t + 2000, `c${i}`, i % 3 ? "read" : "exec", `output ${i} ${"o".repeat(200)}`, i % 17 === 0),
  ].map((line) => JSON.stringify(line));
}

/** The transcript as it should now be: whole lines, and maybe the start of one still being written. */
type Transcript = { lines: string[]; turns: number; torn?: { whole: string; written: string } };

const content = (t: Transcript) => t.lines.map((line) => `${line}\n`).join("") + (t.torn?.written ?? "");

type Change =
  | { kind: "append"; turns: number }
  | { kind: "tear" }
  | { kind: "edit"; line: number; sameSize: boolean; byRename: boolean }
  | { kind: "cut"; lines: number }
  | { kind: "replace" }
  | { kind: "touch" };

const changes: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("append" as const), turns: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: "tear" as const }),
  fc.record({ kind: fc.constant("edit" as const), line: fc.nat(), sameSize: fc.boolean(), byRename: fc.boolean() }),
  fc.record({ kind: fc.constant("cut" as const), lines: fc.integer({ min: 1, max: 60 }) }),
  fc.constant({ kind: "replace" as const }),
  fc.constant({ kind: "touch" as const }),
);

/** Applies a change to the file the way a writer or an editor would, and to the model of it. */
function apply(path: string, t: Transcript, change: Change): void {
  const write = (byRename: boolean) => {
    if (!byRename) return writeFileSync(path, content(t));
    writeFileSync(`${path}.tmp`, content(t));
    renameSync(`${path}.tmp`, path);
  };
  switch (change.kind) {
    case "append": {
      // a line left half written is finished first, as a writer that resumes would
      const rest = t.torn ? `${t.torn.whole.slice(t.torn.written.length)}\n` : "";
      if (t.torn) t.lines.push(t.torn.whole);
      t.torn = undefined;
      const added: string[] = [];
      for (let i = 0; i < change.turns; i++) added.push(...turn(t.turns++));
      t.lines.push(...added);
      return appendFileSync(path, rest + added.map((line) => `${line}\n`).join(""));
    }
    case "tear": {
      if (t.torn) return;
      const whole = turn(t.turns++)[0]!;
      t.torn = { whole, written: whole.slice(0, Math.floor(whole.length / 2)) };
      return appendFileSync(path, t.torn.written);
    }
    case "edit": {
      if (t.lines.length < 2) return;
      const i = 1 + (change.line % (t.lines.length - 1));
      const line = t.lines[i]!;
      t.lines[i] = change.sameSize
        ? line.includes('"isError":false')
          ? line.replace('"isError":false', '"isError": true')
          : line.replace(/question|output|answer/, (word) => word.toUpperCase())
        : line.replace(/"(question|output|answer) (\d+)/, '"$1 $2 (edited)');
      return write(change.byRename);
    }
    case "cut": {
      t.lines.length = Math.max(1, t.lines.length - change.lines);
      t.torn = undefined;
      return write(false); // in place, as truncation does
    }
    case "replace": {
      t.lines = conversation("s1", T0, 30).map((line) => JSON.stringify(line));
      t.turns = Math.max(t.turns, 31);
      t.torn = undefined;
      return write(true);
    }
    case "touch": {
      const now = new Date();
      return utimesSync(path, now, now);
    }
  }
}

/** Each event's session, type and payload, in no order (without its seq). */
const texts = (all: string[]) => all.map((event) => event.replace(/^(\S+) \d+ /, "$1 ")).sort();

/** What a user asks of a session and of the store, reduced to what must come out the same. */
const brief = (events: Page["events"]) => events.map((e) => `${e.session} ${e.seq} ${e.type} ${JSON.stringify(e.payload)}`);

async function answers(ctx: AppContext, t: Transcript) {
  const window = { since: T0 + Math.floor(t.turns * 0.8) * 60_000 };
  const counts = async (input: Parameters<typeof querySessionsEvents>[1]) =>
    Object.fromEntries(((await querySessionsEvents(ctx, input)).groups ?? []).map((g) => [`${g.key.session} ${g.key.type}`, g.count]));
  return {
    all: brief(await allPages(ctx, KEY, 150)),
    recent: brief((await querySessionEvents(ctx, { sessionKey: KEY, ...window, limit: 40 })).events),
    newestErrors: brief((await querySessionEvents(ctx, { sessionKey: KEY, order: "desc", types: ["tool_error"], limit: 20 })).events),
    everywhere: brief((await querySessionsEvents(ctx, { sessionKey: "*", ...window, limit: 60 })).events),
    counts: await counts({ groupBy: ["session", "type"] }),
    recentCounts: await counts({ ...window, groupBy: ["session", "type"] }),
  };
}

describe("the cache, while a transcript changes under it", () => {
  it("answers as no cache would: in a running server, and in the next process on its cache dir", async () => {
    await fc.assert(
      // (not every change is looked at: several may come between two queries)
      fc.asyncProperty(fc.array(fc.tuple(changes, fc.boolean()), { minLength: 3, maxLength: 8 }), async (steps) => {
        const t: Transcript = { lines: [JSON.stringify(header("s1", T0))], turns: 0 };
        for (let i = 0; i < 500; i++) t.lines.push(...turn(t.turns++));
        const path = fixture.store.transcript("main", "s1.jsonl", t.lines.map((line) => JSON.parse(line) as Record<string, unknown>));
        fixture.store.transcript("main", "s2.jsonl", conversation("s2", T0, 400));
        fixture.store.registry("main", { [KEY]: { sessionId: "s1", updatedAt: T0 }, "agent:main:other": { sessionId: "s2", updatedAt: T0 } });
        const running = app();
        await answers(running, t); // indexes it, keeps lines and rollups
        let unseen: Change[] = []; // the changes made since the caches were last asked
        let unseenEdit = false; // the cache may have missed an edit, and does until the file is replaced
        // a walk the running server began before the changes, to be followed to its end after them
        let walk = await querySessionEvents(running, { sessionKey: KEY, limit: 150 });
        const look = async () => {
          await sleep(30); // the running server's watcher hears of the change
          const truth = await answers(app(), t);
          // its cursor works whatever changed; with only lines added, it gives each event exactly once
          const walked = brief([...walk.events, ...(await allPages(running, KEY, 150, walk.nextCursor))]);
          if (!unseenEdit && unseen.every((change) => change.kind === "append" || change.kind === "tear" || change.kind === "touch")) {
            expect(walked, JSON.stringify(unseen)).toEqual(truth.all);
          }
          // What the cache cannot tell (README): an edit in place that keeps its size, and an append, both
          // since the last query, look like an append alone. Then only the events' text is promised.
          if (unseen.length > 1 && unseen.some((change) => change.kind === "edit" && !change.byRename)) unseenEdit = true;
          const promised = (a: Awaited<ReturnType<typeof answers>>) => (unseenEdit ? texts(a.all) : a);
          expect(promised(await answers(running, t)), JSON.stringify(unseen)).toEqual(promised(truth));
          flushIndexes();
          expect(promised(await answers(app(running.cacheDir), t)), JSON.stringify(unseen)).toEqual(promised(truth));
          unseen = [];
          walk = await querySessionEvents(running, { sessionKey: KEY, limit: 150 });
        };
        for (const [i, [step, looked]] of steps.entries()) {
          apply(path, t, step);
          unseen.push(step);
          if (step.kind === "replace" || (step.kind === "edit" && step.byRename)) unseenEdit = false;
          expect(readFileSync(path, "utf8")).toBe(content(t));
          if (looked || i === steps.length - 1) await look();
        }
        fixture.renewStore(); // (each run on a store of its own)
      }),
      { seed: FUZZ_SEED, numRuns: 6, endOnFailure: true },
    );
  }, 120_000);
});

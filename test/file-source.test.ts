import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenClawFileSource } from "../src/sources/openclaw/file-source.js";
import { newReadStats, type SessionInfo, type SourceEvent } from "../src/sources/session.js";
import { assistantLine, conversation, header, text, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-03-10T09:00:00Z");
let store: TempStateDir;

beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

async function list(source = new OpenClawFileSource(store.root)) {
  const listing = await source.list();
  return { ...listing, byKey: new Map(listing.sessions.map((s) => [s.key, s])) };
}

async function read(session: SessionInfo) {
  const stats = newReadStats();
  const events: SourceEvent[] = [];
  for await (const event of session.events({ stats })) events.push(event);
  return { events, stats };
}

const texts = (events: SourceEvent[]) => events.filter((e) => e.type === "message").map((e) => e.payload.text);
const isInside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
};

describe("agents and keys", () => {
  it("lists the sessions of every agent under agents/, and no agent for a plain file there", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "m1", updatedAt: T0 } });
    store.registry("work", { "agent:work:main": { sessionId: "w1", updatedAt: T0 } });
    store.transcript("main", "m1.jsonl", conversation("m1", T0, 1));
    store.transcript("work", "w1.jsonl", conversation("w1", T0, 1));
    store.transcript("ops", "o1.jsonl", conversation("o1", T0, 1)); // no registry at all
    mkdirSync(join(store.root, "agents", "empty"), { recursive: true }); // no sessions dir
    store.file("agents/README.txt", "not an agent");
    const { sessions, warnings } = await list();
    expect(sessions.map((s) => [s.agent, s.key]).sort()).toEqual([
      ["main", "agent:main:main"],
      ["ops", "agent:ops:unregistered:o1"],
      ["work", "agent:work:main"],
    ]);
    expect(warnings).toEqual([]);
    expect(sessions.every((s) => s.source === "openclaw-files")).toBe(true);
  });

  it("gives legacy bare keys canonical keys and keeps the stored key in storeKey", async () => {
    store.registry("work", {
      main: { sessionId: "a", updatedAt: T0 },
      "discord:group:dev": { sessionId: "b", updatedAt: T0 },
      "agent:work:cron:job1": { sessionId: "c", updatedAt: T0 },
    });
    for (const id of ["a", "b", "c"]) store.transcript("work", `${id}.jsonl`, conversation(id, T0, 1));
    const { sessions } = await list();
    expect(sessions.map((s) => [s.key, s.storeKey, s.sessionId, s.registered]).sort()).toEqual([
      ["agent:work:cron:job1", "agent:work:cron:job1", "c", true],
      ["agent:work:discord:group:dev", "discord:group:dev", "b", true],
      ["agent:work:main", "main", "a", true],
    ]);
    const { events } = await read(sessions.find((s) => s.storeKey === "discord:group:dev")!);
    expect(events.every((e) => e.session === "agent:work:discord:group:dev" && e.agent === "work" && e.sessionId === "b")).toBe(true);
    expect(events.map((e) => e.id)).toEqual(["b:1", "b:2", "b:3"]);
  });

  it("takes parentKey from spawnedBy, else parentSessionKey, made canonical", async () => {
    store.registry("main", {
      "agent:main:main": { sessionId: "p", updatedAt: T0 },
      "agent:main:subagent:1": { sessionId: "c1", updatedAt: T0, spawnedBy: "agent:main:main" },
      "agent:main:subagent:2": { sessionId: "c2", updatedAt: T0, parentSessionKey: "agent:main:subagent:1", spawnDepth: 2 },
      "agent:main:subagent:3": { sessionId: "c3", updatedAt: T0, spawnedBy: "main" },
      "agent:main:subagent:4": { sessionId: "c4", updatedAt: T0, spawnedBy: "agent:other:main", parentSessionKey: "agent:main:main" },
    });
    const { byKey } = await list();
    expect(byKey.get("agent:main:main")!.parentKey).toBeUndefined();
    expect(byKey.get("agent:main:subagent:1")!.parentKey).toBe("agent:main:main");
    expect(byKey.get("agent:main:subagent:2")!.parentKey).toBe("agent:main:subagent:1");
    expect(byKey.get("agent:main:subagent:3")!.parentKey).toBe("agent:main:main");
    expect(byKey.get("agent:main:subagent:4")!.parentKey).toBe("agent:other:main");
  });

  it("lists a transcript the registry does not know as an unregistered session whose events read", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "known", updatedAt: T0 } });
    store.transcript("main", "known.jsonl", conversation("known", T0, 1));
    store.transcript("main", "stray.jsonl", conversation("stray", T0, 2));
    const { byKey, sessions } = await list();
    expect(sessions).toHaveLength(2);
    const stray = byKey.get("agent:main:unregistered:stray")!;
    expect(stray).toMatchObject({ storeKey: "agent:main:unregistered:stray", sessionId: "stray", registered: false, status: "unregistered", agent: "main" });
    expect(stray.location).toBe(join(store.sessionsDir("main"), "stray.jsonl"));
    const { events } = await read(stray);
    expect(texts(events)).toEqual(["question 0", "answer 0", "question 1", "answer 1"]);
    expect(byKey.get("agent:main:main")!.registered).toBe(true);
  });
});

describe("sessionFile resolution", () => {
  it("reads relative, absolute-inside, foreign-absolute, Windows and default paths from the sessions dir", async () => {
    const dir = store.sessionsDir("main");
    store.registry("main", {
      "agent:main:rel": { sessionId: "rel", updatedAt: T0, sessionFile: "rel.jsonl" },
      "agent:main:abs": { sessionId: "abs", updatedAt: T0, sessionFile: join(dir, "abs.jsonl") },
      "agent:main:foreign": { sessionId: "foreign", updatedAt: T0, sessionFile: "/home/someone/.openclaw/agents/main/sessions/foreign.jsonl" },
      "agent:main:win": { sessionId: "win", updatedAt: T0, sessionFile: "C:\\Users\\x\\.openclaw\\agents\\main\\sessions\\win.jsonl" },
      "agent:main:default": { sessionId: "default", updatedAt: T0 },
      "agent:main:topic": { sessionId: "tp", updatedAt: T0, sessionFile: "tp-topic-7.jsonl" },
    });
    for (const id of ["rel", "abs", "foreign", "win", "default", "tp-topic-7"]) {
      store.transcript("main", `${id}.jsonl`, [header(id, T0), userLine(T0 + 1, `hello from ${id}`)]);
    }
    const { byKey, sessions } = await list();
    expect(sessions.filter((s) => !s.registered)).toEqual([]); // every file is claimed by its entry
    const expectations: Array<[string, string]> = [
      ["rel", "rel"],
      ["abs", "abs"],
      ["foreign", "foreign"],
      ["win", "win"],
      ["default", "default"],
      ["topic", "tp-topic-7"],
    ];
    for (const [key, file] of expectations) {
      const session = byKey.get(`agent:main:${key}`)!;
      expect(session.location).toBe(join(dir, `${file}.jsonl`));
      expect(texts((await read(session)).events)).toEqual([`hello from ${file}`]);
    }
  });

  it("never resolves a hostile sessionFile outside the sessions dir", async () => {
    const dir = store.sessionsDir("main");
    const secretLines = [header("secret", T0), userLine(T0 + 1, "SECRET")];
    store.file("agents/main/secret.jsonl", secretLines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    store.file("secret.jsonl", secretLines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const hostile = ["../../etc/passwd", "/etc/passwd", "../secret.jsonl", "../../secret.jsonl", "..\\..\\secret.jsonl", `${dir}/../secret.jsonl`, join(store.root, "secret.jsonl")];
    store.registry("main", Object.fromEntries(hostile.map((sessionFile, i) => [`agent:main:h${i}`, { sessionId: `h${i}`, updatedAt: T0, sessionFile }])));
    const { sessions } = await list();
    expect(sessions).toHaveLength(hostile.length);
    for (const session of sessions) {
      expect(isInside(dir, session.location), session.location).toBe(true);
      const { events } = await read(session);
      expect(events).toEqual([]);
    }
  });

  it("falls back to <sessionId>.jsonl when sessionFile names a file that is not a transcript", async () => {
    const dir = store.sessionsDir("main");
    store.transcript("main", "real.jsonl", [header("real", T0), userLine(T0 + 1, "the real one")]);
    store.registry("main", {
      "agent:main:a": { sessionId: "real", updatedAt: T0, sessionFile: "sessions.json" },
      "agent:main:b": { sessionId: "real", updatedAt: T0, sessionFile: "real.trajectory.jsonl" },
    });
    const { sessions } = await list();
    for (const session of sessions) {
      expect(session.location).toBe(join(dir, "real.jsonl"));
      expect((await read(session)).events.map((e) => e.payload.text)).toContain("the real one");
    }
  });

  it("yields no events from a transcript that is a symlink to a file outside the sessions dir, but follows one inside", async () => {
    const dir = store.sessionsDir("main");
    const outside = store.file("elsewhere/out.jsonl", [header("out", T0), userLine(T0 + 1, "OUTSIDE")].map((l) => JSON.stringify(l)).join("\n") + "\n");
    symlinkSync(outside, join(dir, "linked.jsonl"));
    symlinkSync(outside, join(dir, "stray-link.jsonl"));
    store.transcript("main", "real.jsonl", [header("real", T0), userLine(T0 + 1, "INSIDE")]);
    symlinkSync(join(dir, "real.jsonl"), join(dir, "alias.jsonl"));
    store.registry("main", {
      "agent:main:linked": { sessionId: "linked", updatedAt: T0 },
      "agent:main:alias": { sessionId: "alias", updatedAt: T0 },
      "agent:main:real": { sessionId: "real", updatedAt: T0 },
    });
    const { byKey } = await list();
    expect((await read(byKey.get("agent:main:linked")!)).events).toEqual([]);
    expect((await read(byKey.get("agent:main:unregistered:stray-link")!)).events).toEqual([]);
    expect(texts((await read(byKey.get("agent:main:alias")!)).events)).toEqual(["INSIDE"]);
  });
});

describe("files that are not transcripts", () => {
  it("never reads trajectories, checkpoints, locks or sessions.json as transcripts; reset/deleted archives only as earlier generations", async () => {
    const id = "5f0c1a2b-0000-4000-8000-000000000001";
    const bait = [header("bait", T0), userLine(T0 + 1, "SHOULD NOT APPEAR")];
    for (const name of [
      `${id}.trajectory.jsonl`,
      `${id}.trajectory-path.json`,
      `${id}.checkpoint.9b2e4c1d-1111-4222-8333-444455556666.jsonl`,
      `${id}.jsonl.reset.2026-03-10T08-00-00.000Z`,
      `${id}.jsonl.deleted.2026-03-10T08-00-00.000Z`,
      `${id}.jsonl.lock`,
      "sessions.json.lock",
      "notes.txt",
    ]) {
      store.transcript("main", name, bait);
    }
    store.transcript("main", `${id}.jsonl`, [header(id, T0), userLine(T0 + 1, "real")]);
    store.registry("main", { "agent:main:main": { sessionId: id, updatedAt: T0 } });
    const { sessions } = await list();
    expect(sessions.map((s) => [s.key, s.generation])).toEqual([
      ["agent:main:main", "current"],
      ["agent:main:main", "earlier"],
      ["agent:main:main", "earlier"],
    ]);
    const { events } = await read(sessions[0]!);
    expect(texts(events)).toEqual(["real"]);
  });
});

describe("reading transcripts", () => {
  it("skips and counts a garbage middle line and a partial last line, and gives every intact line's events", async () => {
    const path = store.transcript("main", "s.jsonl", [header("s", T0), userLine(T0 + 1, "one"), "{garbage, not json", assistantLine(T0 + 2, [text("two")])]);
    store.appendRaw("main", "s.jsonl", JSON.stringify(userLine(T0 + 3, "three")).slice(0, 25));
    store.registry("main", { "agent:main:s": { sessionId: "s", updatedAt: T0 } });
    const { sessions } = await list();
    const { events, stats } = await read(sessions[0]!);
    expect(events.map((e) => [e.seq, e.type, e.timestamp])).toEqual([
      [1, "session_start", T0],
      [2, "message", T0 + 1],
      [3, "message", T0 + 2],
    ]);
    expect(texts(events)).toEqual(["one", "two"]);
    expect(stats).toEqual({ linesRead: 5, skippedLines: 2, sessionsRead: 0, bytesRead: statSync(path).size });
  });

  it("gives the events of a last line that is whole JSON but has no newline yet", async () => {
    store.transcript("main", "s.jsonl", [header("s", T0), userLine(T0 + 1, "no newline after me")], { trailingNewline: false });
    const { sessions } = await list();
    const { events, stats } = await read(sessions[0]!);
    expect(texts(events)).toEqual(["no newline after me"]);
    expect(stats).toMatchObject({ linesRead: 2, skippedLines: 0 });
  });

  it("reads a CRLF transcript with a BOM", async () => {
    const lines = [header("crlf", T0), userLine(T0 + 1, "windows"), assistantLine(T0 + 2, [text("line endings")])];
    writeFileSync(join(store.sessionsDir("main"), "crlf.jsonl"), "\ufeff" + lines.map((l) => JSON.stringify(l)).join("\r\n") + "\r\n");
    const { sessions } = await list();
    const { events, stats } = await read(sessions[0]!);
    expect(events.map((e) => e.type)).toEqual(["session_start", "message", "message"]);
    expect(texts(events)).toEqual(["windows", "line endings"]);
    expect(stats.skippedLines).toBe(0);
  });

  it("ends an ended session's events with session_end at endedAt, and a running one without", async () => {
    const entries: Record<string, Record<string, unknown>> = {};
    for (const status of ["done", "failed", "killed", "timeout", "running"]) {
      // a spawned run: only runs end with their registry status (registry-rules.test.ts has the rest)
      entries[`agent:main:${status}`] = { sessionId: status, updatedAt: T0 + 90_000, status, startedAt: T0, endedAt: T0 + 60_000, runtimeMs: 60_000, spawnedBy: "agent:main:main" };
      store.transcript("main", `${status}.jsonl`, conversation(status, T0, 2));
    }
    store.registry("main", entries);
    const { byKey } = await list();
    for (const status of ["done", "failed", "killed", "timeout"]) {
      const session = byKey.get(`agent:main:${status}`)!;
      expect(session).toMatchObject({ status, endedAt: T0 + 60_000, runtimeMs: 60_000, startedAt: T0, updatedAt: T0 + 90_000 });
      const { events } = await read(session);
      expect(events).toHaveLength(6);
      expect(events.at(-1)).toEqual({
        id: `${status}:6`,
        seq: 6,
        timestamp: T0 + 60_000,
        orderTs: T0 + 60_000,
        agent: "main",
        session: `agent:main:${status}`,
        sessionId: status,
        type: "session_end",
        payload: { status, runtimeMs: 60_000 },
        meta: { source: "openclaw-files" },
      });
    }
    const running = await read(byKey.get("agent:main:running")!);
    expect(running.events.map((e) => e.type)).not.toContain("session_end");
    expect(running.events).toHaveLength(5);
  });

  it("reads what was appended since the last read on the next read", async () => {
    store.registry("main", { "agent:main:s": { sessionId: "s", updatedAt: T0 } });
    store.transcript("main", "s.jsonl", conversation("s", T0, 1));
    const { sessions } = await list();
    expect((await read(sessions[0]!)).events).toHaveLength(3);
    store.append("main", "s.jsonl", [userLine(T0 + 10, "later")]);
    const again = await read(sessions[0]!);
    expect(again.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(again.events.at(-1)!.payload.text).toBe("later");
  });
});

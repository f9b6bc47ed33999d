/**
 * Path escape: a store that tries every way we know to make the server read outside it. Bait transcripts
 * carrying a unique marker sit outside the store; the marker must never appear in any answer, through
 * any surface. A broken store gives warnings, never exceptions or hangs.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDatabaseWriter } from "../scripts/agent-database.js";
import { createAppContext } from "../src/app/context.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { transcriptPathOf } from "../src/sources/openclaw/transcript-files.js";
import { openStore } from "../src/sources/open-store.js";
import { cleanEnv, connectServer, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-08-01T09:00:00Z");
const BAIT = "BAIT-0ff5-OUTSIDE-THE-STORE";
const INSIDE = "INSIDE-COPY-4d2a";
const LINKED = "LINKED-AGENT-77e0";
const DOTDOT = "DOTDOT-AGENT-1b9c";

const transcript = (id: string, mark: string) =>
  [
    header(id, T0),
    userLine(T0 + 1000, `user ${mark}`),
    assistantLine(T0 + 2000, [text(`assistant ${mark}`), toolCall(`c-${id}`, "read", { path: mark })]),
    toolResultLine(T0 + 3000, `c-${id}`, "read", `result ${mark}`),
  ]
    .map((l) => `${JSON.stringify(l)}\n`)
    .join("");

let outside: string;
let store: TempStateDir;
let sessionsDir: string;
const baitFile = () => join(outside, "bait.jsonl");

/** sessionFile values that try to leave the sessions dir. */
const hostileSessionFiles = (): unknown[] => {
  const rel = relative(sessionsDir, baitFile());
  return [
    baitFile(), join(outside, "dir", "bait.jsonl"), rel, rel.replaceAll("/", "\\"), `sub/../${rel}`, `./${rel}`, `${sessionsDir}/../../../${rel}`,
    encodeURIComponent(rel), rel.replaceAll(".", "%2e"), rel.replaceAll("/", "%252f"), `file://${baitFile()}`, `bait.jsonl\u0000${rel}`,
    `${rel}\u0000.jsonl`, rel.replaceAll("..", "\u2025"), rel.replaceAll("/", "\uff0f"), `C:\\..\\..\\bait.jsonl`, "\\\\localhost\\c$\\bait.jsonl",
    `~/${rel}`, `${rel} `, `${rel}.`, "linkdir/bait.jsonl", "link.jsonl", "chain1.jsonl", "rel-link.jsonl", "loop.jsonl", "dangling.jsonl",
    "dir.jsonl", `/proc/self/root${baitFile()}`, `${"a/".repeat(3000)}bait.jsonl`, "sessions.json", ".", "..", "/", "", " ",
    { path: baitFile() }, [baitFile()], 42, null, true,
  ];
};
/** sessionId values that try the same (no sessionFile). */
const hostileSessionIds = (): string[] => [
  relative(sessionsDir, join(outside, "bait")), join(outside, "bait"), "linkdir/bait", "..", ".", "a\\..\\b", "x\u0000y", "", "%2e%2e%2fbait", "i".repeat(300), "link", "loop",
];

beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), "adv-outside-"));
  mkdirSync(join(outside, "dir"));
  writeFileSync(baitFile(), transcript("bait", BAIT));
  writeFileSync(join(outside, "dir", "bait.jsonl"), transcript("bait", BAIT));
  writeFileSync(join(outside, "passwd"), `root:x:0:0:root:/root:/bin/bash\nbait:x:1000:1000:${BAIT}:/home/bait:/bin/sh\n`);
  mkdirSync(join(outside, "agent", "sessions"), { recursive: true });
  writeFileSync(
    join(outside, "agent", "sessions", "sessions.json"),
    JSON.stringify({ "agent:linked:main": { sessionId: "l1", updatedAt: T0 }, "agent:linked:evil": { sessionId: "l2", updatedAt: T0, sessionFile: baitFile() } }),
  );
  writeFileSync(join(outside, "agent", "sessions", "l1.jsonl"), transcript("l1", LINKED));

  store = new TempStateDir("adv-paths-");
  sessionsDir = store.sessionsDir("main");
  const entries: Record<string, Record<string, unknown>> = {};
  hostileSessionFiles().forEach((sessionFile, i) => (entries[`agent:main:f${i}`] = { sessionId: `f${i}`, updatedAt: T0, sessionFile }));
  hostileSessionIds().forEach((sessionId, i) => (entries[`agent:main:i${i}`] = { sessionId, updatedAt: T0 }));
  store.registry("main", entries);
  writeFileSync(join(sessionsDir, "bait.jsonl"), transcript("inside", INSIDE)); // what a foreign absolute path's file name falls back to
  symlinkSync(baitFile(), join(sessionsDir, "link.jsonl"));
  symlinkSync(join(outside, "dir"), join(sessionsDir, "linkdir"));
  symlinkSync(join(sessionsDir, "chain2.jsonl"), join(sessionsDir, "chain1.jsonl"));
  symlinkSync(baitFile(), join(sessionsDir, "chain2.jsonl"));
  symlinkSync(relative(sessionsDir, baitFile()), join(sessionsDir, "rel-link.jsonl"));
  symlinkSync("loop.jsonl", join(sessionsDir, "loop.jsonl"));
  symlinkSync(join(outside, "missing.jsonl"), join(sessionsDir, "dangling.jsonl"));
  mkdirSync(join(sessionsDir, "dir.jsonl"));
  // agent directories: names that could climb, links that loop or dangle, a plain file, a linked dir
  for (const name of ["..evil", "a..b", "back\\slash"]) {
    mkdirSync(join(store.root, "agents", name, "sessions"), { recursive: true });
    writeFileSync(join(store.root, "agents", name, "sessions", "s.jsonl"), transcript("s", DOTDOT));
  }
  symlinkSync("loop-agent", join(store.root, "agents", "loop-agent"));
  symlinkSync(join(outside, "nowhere"), join(store.root, "agents", "dangling-agent"));
  writeFileSync(join(store.root, "agents", "file-agent"), "not a dir");
  symlinkSync(join(outside, "agent"), join(store.root, "agents", "linked"));
  mkdirSync(join(store.root, "agents", "pw", "sessions"), { recursive: true });
  symlinkSync(join(outside, "passwd"), join(store.root, "agents", "pw", "sessions", "sessions.json"));
  mkdirSync(join(store.root, "agents", "sessloop"));
  symlinkSync("sessions", join(store.root, "agents", "sessloop", "sessions"));
});
afterAll(() => {
  store?.remove();
  rmSync(outside, { recursive: true, force: true });
});

const isInside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.split(/[\\/]/).includes("..");
};

describe("registry paths", () => {
  it("no hostile sessionFile or sessionId resolves to a path outside the sessions dir", () => {
    const values = [...hostileSessionFiles().map((sessionFile) => ({ sessionId: "h", sessionFile })), ...hostileSessionIds().map((sessionId) => ({ sessionId }))];
    expect(values.length).toBeGreaterThanOrEqual(50);
    for (const entry of values) {
      const path = transcriptPathOf(sessionsDir, entry);
      if (path !== undefined) expect(isInside(sessionsDir, path), JSON.stringify(entry)).toBe(true);
      expect(path ?? "", JSON.stringify(entry)).not.toContain("\u0000");
    }
  });

  it("listing the hostile store gives warnings, never an exception, and every location is inside its sessions dir", async () => {
    const listing = await openStore(store.root).list();
    const main = listing.sessions.filter((s) => s.agent === "main");
    for (const s of main) expect(isInside(sessionsDir, s.location), `${s.key} -> ${s.location}`).toBe(true);
    expect(new Set(listing.sessions.map((s) => s.agent))).toEqual(new Set(["main", "linked"]));
    const warnings = listing.warnings.join("\n");
    expect(warnings).toMatch(/agent pw: cannot read session registry/);
    expect(warnings).toMatch(/agent sessloop: /);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 9]) expect(warnings).toContain(`registry entry "agent:main:i${i}" has no usable sessionId`);
    expect(warnings).not.toContain(BAIT);
  });
});

describe("every answer over the hostile store", () => {
  it("carries nothing from outside: pages, single sessions, states, single events and counts", async () => {
    const ctx = contextFor(store.root, { clearance: "confidential" });
    const sessions = (await openStore(store.root).list()).sessions;
    let all = "";
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await querySessionsEvents(ctx, { limit: 500, ...(cursor ? { cursor } : {}) });
      all += JSON.stringify(page);
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    // every session is read by the walk above; one by one: those with events and each kind of hostile entry
    const keys = new Set([...sessions.filter((s) => all.includes(`"session":"${s.key}"`)).map((s) => s.key),
      ...[0, 1, 2, 7, 10, 11, 13, 20, 21, 22, 23, 24, 25, 26, 36].map((i) => `agent:main:f${i}`), "agent:main:i8", "agent:main:i10", "agent:main:i11"]);
    expect(keys.size).toBeGreaterThan(20);
    for (const key of keys) {
      const page = await querySessionEvents(ctx, { sessionKey: key, limit: 500 });
      all += JSON.stringify(page);
      if (page.events.length === 0) continue; // (each query re-lists the store: keep the slow broken registries out of the loop)
      all += JSON.stringify(await querySessionState(ctx, { sessionKey: key, lastMessages: 50 }));
      for (const e of [page.events[0]!, page.events.at(-1)!]) {
        // (an id two sessions share does not fetch: see the finding below; what matters here is what does)
        all += JSON.stringify(await querySessionEvents(ctx, { eventId: e.id }).catch((error: Error) => error.message));
      }
    }
    all += JSON.stringify(await querySessionsEvents(ctx, { groupBy: ["session", "tool"], limit: 500 }));
    expect(all).not.toContain(BAIT);
    expect(all).not.toContain(DOTDOT);
    // the controls: a foreign absolute path falls back to its file name in the sessions dir, and a
    // symlinked agent directory is the operator's layout and is followed, its entries still confined
    expect(all).toContain(INSIDE);
    expect(all).toContain(LINKED);
  });

  it("a directory named like a transcript is skipped, not a failure of every query", async () => {
    const ctx = contextFor(store.root);
    const page = await querySessionEvents(ctx, { sessionKey: "agent:main:f26" }); // sessionFile "dir.jsonl", a directory
    expect(page.events).toEqual([]);
    await expect(querySessionsEvents(ctx, { limit: 500 })).resolves.toMatchObject({ hasMore: false });
  });
});

describe("event ids", () => {
  // (was a finding: an entry whose sessionFile named another file left <sessionId>.jsonl to be listed
  // again as an unregistered session with the same id; ids repeated and eventId missed some)
  it("every event id a page shows can be fetched by eventId", async () => {
    const own = new TempStateDir("adv-ids-");
    try {
      own.registry("main", { "agent:main:main": { sessionId: "s1", updatedAt: T0, sessionFile: "elsewhere.jsonl" } });
      own.transcript("main", "s1.jsonl", [header("s1", T0), userLine(T0 + 1, "listed twice")]);
      const ctx = contextFor(own.root);
      const page = await querySessionsEvents(ctx, { limit: 500 });
      expect(page.events.map((e) => e.id)).toEqual([...new Set(page.events.map((e) => e.id))]); // unique
      for (const e of page.events) expect((await querySessionEvents(ctx, { eventId: e.id })).events[0]?.id).toBe(e.id);
    } finally {
      own.remove();
    }
  });
});

describe("linked and looping stores", () => {
  it("a symlinked agents dir is read like a real one, and its entries stay confined to their real sessions dir", async () => {
    const real = new TempStateDir("adv-real-agents-");
    const root = mkdtempSync(join(tmpdir(), "adv-linked-state-"));
    try {
      real.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 }, "agent:main:evil": { sessionId: "e", updatedAt: T0, sessionFile: baitFile() } });
      real.transcript("main", "m.jsonl", [header("m", T0), userLine(T0 + 1, "through the link")]);
      symlinkSync(join(real.root, "agents"), join(root, "agents"));
      const page = await querySessionsEvents(contextFor(root), { limit: 500 });
      expect(page.events.map((e) => e.payload.text).filter(Boolean)).toEqual(["through the link"]);
      expect(page.sessionsMatched).toBe(2);
      expect(JSON.stringify(page)).not.toContain(BAIT);
    } finally {
      real.remove();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("an agents dir that loops lists nothing; a store path that loops is a clear startup error, in-process and from the CLI", async () => {
    const root = mkdtempSync(join(tmpdir(), "adv-loops-"));
    try {
      mkdirSync(join(root, "state"));
      symlinkSync("agents", join(root, "state", "agents"));
      expect(await openStore(join(root, "state")).list()).toEqual({ sessions: [], warnings: [] });
      symlinkSync(join(root, "loop"), join(root, "loop"));
      expect(() => createAppContext({ store: join(root, "loop") }, { SESSION_EVENTS_CACHE_DIR: join(root, "cache") })).toThrow(/store .*loop does not exist/);
      ensureBuilt();
      const result = await runCli(["sessions", "--store", join(root, "loop")], cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(root, "cache") }), 20_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: store .*loop does not exist/m);
      expect(result.stdout).toBe("");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a FIFO named like a transcript neither hangs nor breaks a query (built CLI, with a timeout)", async () => {
    const fifo = new TempStateDir("adv-fifo-");
    try {
      fifo.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 }, "agent:main:pipe": { sessionId: "pipe", updatedAt: T0 } });
      fifo.transcript("main", "m.jsonl", [header("m", T0), userLine(T0 + 1, "beside a pipe")]);
      execFileSync("mkfifo", [join(fifo.sessionsDir("main"), "pipe.jsonl")]);
      ensureBuilt();
      const result = await runCli(["query", "--store", fifo.root, "--json", "-n", "500"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${fifo.root}-cache` }), 15_000);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).events.map((e: { payload: { text?: string } }) => e.payload.text).filter(Boolean)).toEqual(["beside a pipe"]);
    } finally {
      fifo.remove();
      rmSync(`${fifo.root}-cache`, { recursive: true, force: true });
    }
  });
});

describe("ClawJS workspaces (written by the agent itself, so links in them are hostile)", () => {
  const workspace = (setup: (conversations: string, root: string) => void) => {
    const root = mkdtempSync(join(tmpdir(), "adv-clawjs-"));
    mkdirSync(join(root, ".clawjs"));
    setup(join(root, ".clawjs", "conversations"), root);
    return root;
  };

  it("a conversation file that links out of the workspace yields no events", async () => {
    const root = workspace((conversations) => {
      mkdirSync(conversations);
      symlinkSync(baitFile(), join(conversations, "evil.jsonl"));
      writeFileSync(join(conversations, "own.jsonl"), transcript("own", "OWN-CONVERSATION"));
    });
    try {
      const page = await querySessionsEvents(contextFor(`clawjs:${root}`, { clearance: "confidential" }), { limit: 500 });
      expect(JSON.stringify(page)).not.toContain(BAIT);
      expect(JSON.stringify(page)).toContain("OWN-CONVERSATION");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // (was a finding: transcripts were confined to the conversations dir's *real* path, so a workspace
  // whose .clawjs/conversations linked elsewhere, another agent's sessions dir say, was read there)
  it("a conversations dir that links out of the workspace yields no events", async () => {
    const root = workspace((conversations) => symlinkSync(outside, conversations));
    try {
      const page = await querySessionsEvents(contextFor(`clawjs:${root}`, { clearance: "confidential" }), { limit: 500 });
      expect(JSON.stringify(page)).not.toContain(BAIT);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // (was a finding: a session was titled from its file read unconfined, so `sessions --json` showed the
  // first user message of any file a conversation linked to)
  it("the CLI's session listing shows nothing of a file a conversation links to", async () => {
    const root = workspace((conversations) => {
      mkdirSync(conversations);
      symlinkSync(baitFile(), join(conversations, "evil.jsonl"));
    });
    try {
      ensureBuilt();
      const result = await runCli(["sessions", "--store", `clawjs:${root}`, "--json"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(root, "cache") }));
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain(BAIT);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // (was a finding: listing opened every *.jsonl to title it, unconfined and of any file type, so a FIFO
  // blocked the listing, and with it every query, forever)
  it("a FIFO in the conversations dir does not hang the server (built CLI, 5 s timeout)", async () => {
    const root = workspace((conversations) => {
      mkdirSync(conversations);
      execFileSync("mkfifo", [join(conversations, "pipe.jsonl")]);
    });
    try {
      ensureBuilt();
      const result = await runCli(["query", "--store", `clawjs:${root}`, "--json"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: join(root, "cache") }), 5_000);
      expect(result.code).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("SQLite session ids are data, never SQL", () => {
  it("an id like ' OR '1'='1 or % reads only its own rows", async () => {
    const db = new TempStateDir("adv-sqlite-");
    try {
      const writer = new AgentDatabaseWriter(join(db.root, "agents", "sq", "agent", "openclaw-agent.sqlite"));
      const ids = ["a' OR '1'='1", "%", "b", "*", "c\"; DROP TABLE transcript_events; --"];
      ids.forEach((sessionId, i) => {
        writer.node({ key: `agent:sq:s${i}`, entry: { sessionId, updatedAt: T0 } });
        writer.append(sessionId, [JSON.stringify(header(sessionId, T0)), JSON.stringify(userLine(T0 + 1000, `ROWS-OF-${i}`))], () => T0);
      });
      writer.close();
      const ctx = contextFor(db.root);
      for (let i = 0; i < ids.length; i++) {
        for (const sessionKey of [`agent:sq:s${i}`, ...(ids[i]!.includes("*") ? [] : [ids[i]!])]) {
          const texts = (await querySessionEvents(ctx, { sessionKey, limit: 500 })).events.map((e) => e.payload.text).filter(Boolean);
          expect(texts, sessionKey).toEqual([`ROWS-OF-${i}`]);
        }
      }
      expect((await querySessionsEvents(ctx, { limit: 500 })).events).toHaveLength(2 * ids.length);
    } finally {
      db.remove();
    }
  });
});

describe("the built CLI and MCP server over the hostile store", () => {
  const env = () => cleanEnv({ SESSION_EVENTS_CACHE_DIR: `${store.root}-cache` });
  afterAll(() => rmSync(`${store.root}-cache`, { recursive: true, force: true }));

  it("sessions, sessions --json, query and query --json exit 0 and print nothing from outside", async () => {
    ensureBuilt();
    for (const args of [["sessions"], ["sessions", "--json", "--generations", "all"], ["query", "-n", "500"], ["query", "--json", "-n", "500"], ["query", "--session", "agent:main:f0", "--json"]]) {
      const result = await runCli([...args, "--store", store.root, "--clearance", "confidential"], env());
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
      expect(result.stdout, args.join(" ")).not.toContain(BAIT);
      expect(result.stdout, args.join(" ")).not.toContain(DOTDOT);
    }
    const sessions = await runCli(["sessions", "--store", store.root], env());
    expect(sessions.stderr).toMatch(/^warning: agent pw: cannot read session registry/m);
    expect(sessions.stderr).not.toContain(BAIT);
  });

  it("every MCP tool answers without the bait, and the server keeps serving", async () => {
    ensureBuilt();
    const server = await connectServer(["--store", store.root, "--clearance", "confidential"], env());
    try {
      const calls: Array<[string, Record<string, unknown>]> = [
        ["sessions_events", { limit: 500 }],
        ["sessions_events", { sessionKey: ["agent:main:f*", "agent:main:i*"], groupBy: ["session"] }],
        ...[0, 1, 21, 22, 23, 26].map((i): [string, Record<string, unknown>] => ["session_events", { sessionKey: `agent:main:f${i}` }]),
        ["session_state", { sessionKey: "agent:main:f21", lastMessages: 50 }],
        ["session_state", { sessionKey: "agent:linked:main" }],
      ];
      for (const [name, args] of calls) {
        const result = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
        expect(JSON.stringify(result), `${name} ${JSON.stringify(args)}`).not.toContain(BAIT);
        expect(result.isError, `${name} ${JSON.stringify(result.content)}`).not.toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});

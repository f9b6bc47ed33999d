import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAgentDb, setAfterWalCheckForTests } from "../src/sources/openclaw/agent-db.js";
import { agentDatabasePathIn, richAgentFixture, writeSqliteAgent } from "./helpers/fixture-sessions.js";
import { TempStateDir } from "./helpers/temp-store.js";

/** A gateway stand-in: holds the database open in WAL mode until told to close (stdin "close"). */
const HOLDER = `
const Database = require(${JSON.stringify(require.resolve("better-sqlite3"))});
const db = new Database(process.argv[1]);
db.pragma("journal_mode = WAL");
db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES ('s-live', 0, '{}', 0)").run();
process.stdout.write("ready\\n");
process.stdin.on("data", () => { db.close(); process.stdout.write("closed\\n"); process.exit(0); });
`;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let store: TempStateDir;
let holder: ChildProcess | undefined;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => {
  setAfterWalCheckForTests(undefined);
  holder?.kill();
  store.remove();
});

async function holdDatabase(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", HOLDER, path], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  return child;
}

describe("opening an agent database never leaves files in the store", () => {
  it("when the gateway closes between the look at its -wal/-shm and the open", async () => {
    writeSqliteAgent(store, "main", richAgentFixture());
    const path = agentDatabasePathIn(store, "main");
    holder = await holdDatabase(path);
    expect(existsSync(`${path}-wal`) && existsSync(`${path}-shm`)).toBe(true);
    setAfterWalCheckForTests(() => {
      holder!.stdin!.write("close\n");
      for (let i = 0; i < 200 && existsSync(`${path}-wal`); i++) sleep(10);
    });
    const db = openAgentDb(path);
    expect((db.prepare("SELECT COUNT(*) AS n FROM transcript_events WHERE session_id = 's-live'").get() as { n: number }).n).toBe(1);
    db.close();
    expect(readdirSync(dirname(path))).toEqual(["openclaw-agent.sqlite"]);
  });

  it("and leaves a live gateway's -wal/-shm alone", async () => {
    writeSqliteAgent(store, "main", richAgentFixture());
    const path = agentDatabasePathIn(store, "main");
    holder = await holdDatabase(path);
    const db = openAgentDb(path);
    expect((db.prepare("SELECT COUNT(*) AS n FROM transcript_events WHERE session_id = 's-live'").get() as { n: number }).n).toBe(1);
    db.close();
    expect(readdirSync(dirname(path)).sort()).toEqual(["openclaw-agent.sqlite", "openclaw-agent.sqlite-shm", "openclaw-agent.sqlite-wal"]);
  });
});

// A stand-in for a live OpenClaw gateway, run as its own process by test/live-writers.test.ts.
// It appends transcript lines (some in two writes, so a reader can catch half a line), inserts rows
// into an agent database in WAL mode, rewrites sessions.json atomically and in place (so a reader can
// catch it half-written), and creates new sessions, all one after another as a gateway would.
// With <slow> > 0, sessions slow-0 .. slow-<slow - 1> (set up by the test) each keep a half-written line
// open for most of the run (its timestamp already written, as pi writes it), one after another so that
// one is always open: a reader must not let them hold back the other sessions.
// <pauseMs> (default 3) is the pause after each round: a longer one leaves a slower reader more looks while a line is open.
// Usage: node live-writer.mjs <stateDir> <rounds> [<slow> [<pauseMs>]]
import { closeSync, ftruncateSync, openSync, renameSync, writeFileSync, writeSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";

const [root, roundsArg, slowArg, pauseArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const slow = Number(slowArg ?? 0);
const pauseMs = Number(pauseArg ?? 3);
const slowLines = new Map();
const sessionsDir = join(root, "agents", "files", "sessions");
const registryPath = join(sessionsDir, "sessions.json");
const db = new Database(join(root, "agents", "db", "agent", "openclaw-agent.sqlite"));
db.pragma("journal_mode = WAL");

let last = Date.now();
const now = () => (last = Math.max(Date.now(), last + 1));
const registry = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(registryPath, "utf8")));
const line = (ts, text) => JSON.stringify({ type: "message", id: ts.toString(16), parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: text, timestamp: ts } });

async function rewriteRegistry(inPlace) {
  const text = JSON.stringify(registry, null, 2);
  if (!inPlace) {
    const tmp = `${registryPath}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, registryPath);
    return;
  }
  const fd = openSync(registryPath, "r+");
  try {
    ftruncateSync(fd, 0);
    const half = Math.floor(text.length / 2);
    writeSync(fd, text.slice(0, half), 0);
    await sleep(4);
    writeSync(fd, text.slice(half), Buffer.byteLength(text.slice(0, half)));
  } finally {
    closeSync(fd);
  }
}

const insert = db.prepare("INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)");
let dbSeq = db.prepare("SELECT MAX(seq) AS s FROM transcript_events WHERE session_id = 'd1'").get().s + 1;
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < slow; i++) {
    // slow-i opens its line at round i * span and finishes it span * 2 rounds later (or at the end)
    const span = Math.floor(rounds / (slow + 1));
    const file = join(sessionsDir, `slow-${i}.jsonl`);
    if (round === i * span) {
      const text = `${line(now(), `slow ${i}`)}\n`;
      slowLines.set(i, text);
      appendFileSync(file, text.slice(0, 120));
    }
    if (round === Math.min(i * span + 2 * span, rounds - 1)) appendFileSync(file, slowLines.get(i).slice(120));
  }
  // session a: a line written in two parts
  const ts = now();
  const text = `${line(ts, `a ${round}`)}\n`;
  const cut = 10 + (round % 30);
  appendFileSync(join(sessionsDir, "a.jsonl"), text.slice(0, cut));
  await sleep(2);
  appendFileSync(join(sessionsDir, "a.jsonl"), text.slice(cut));
  // session b: one write
  appendFileSync(join(sessionsDir, "b.jsonl"), `${line(now(), `b ${round}`)}\n`);
  // the database agent: one committed row
  const dts = now();
  insert.run("d1", dbSeq++, line(dts, `d ${round}`), dts);
  db.prepare("UPDATE session_nodes SET updated_at = ? WHERE session_key = 'agent:db:main'").run(dts);
  if (round % 5 === 0) {
    const key = `agent:files:new-${round}`;
    if (round % 10 === 0) {
      // a new session: the registry entry first, then its transcript (as the gateway creates them)
      registry[key] = { sessionId: `new-${round}`, updatedAt: now() };
      await rewriteRegistry(round % 20 === 0);
      writeFileSync(join(sessionsDir, `new-${round}.jsonl`), `${line(now(), `new ${round}`)}\n`);
    } else {
      registry["agent:files:a"].updatedAt = now();
      await rewriteRegistry(round % 3 === 0);
    }
  }
  await sleep(pauseMs);
}
db.close();
process.stdout.write("done\n");

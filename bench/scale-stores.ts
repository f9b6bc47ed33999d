/**
 * Scratch stores whose input is far larger than any answer (issue 30, finding 12): a registry of fat
 * entries (a skills snapshot and a prompt report each, ~26 KB, as real ones), a registry of very many
 * entries, and a transcript with lines holding huge arrays and strings. Shared by `npm run bench`
 * (BENCH_SECTIONS=scale) and test/scale-memory.test.ts. Each is written in pieces, never held whole.
 */
import { closeSync, mkdirSync, openSync, rmSync, utimesSync, writeSync } from "node:fs";
import { join } from "node:path";

export type ScaleStore = { dir: string; key: string; sessions: number; bytes: number };

const DAY_MS = 86_400_000;

/** What a real entry repeats besides the fields we read (~26 KB; see bench/fat-registry.ts for the sources). */
function fatBulk(): Record<string, unknown> {
  const skills = Array.from({ length: 60 }, (_, i) => ({
    name: `skill-${i}`,
    description: `Does task number ${i} for the user, with care; reads the workspace and reports back`,
    location: `~/.openclaw/skills/skill-${i}/SKILL.md`,
  }));
  const prompt = skills.map((s) => `<skill><name>${s.name}</name><description>${s.description}</description><location>${s.location}</location></skill>`).join("\n");
  return {
    skillsSnapshot: { prompt: `<available_skills>\n${prompt}\n</available_skills>`, skills: skills.map((s) => ({ name: s.name })), version: 3 },
    systemPromptReport: {
      source: "run",
      injectedWorkspaceFiles: Array.from({ length: 8 }, (_, i) => ({ name: `FILE${i}.md`, rawChars: 1000 + i, injectedChars: 900 + i, truncated: false })),
      skills: { promptChars: prompt.length, entries: skills.map((s) => ({ name: s.name, blockChars: 180 })) },
      tools: { entries: Array.from({ length: 25 }, (_, i) => ({ name: `tool${i}`, summaryChars: 100, schemaChars: 1200, propertiesCount: 4 })) },
    },
    origin: { provider: "telegram", surface: "telegram", chatType: "direct", from: "telegram:123", to: "telegram:456" },
    deliveryContext: { channel: "telegram", to: "telegram:456", accountId: "default" },
  };
}

class Writer {
  private readonly fd: number;
  bytes = 0;
  constructor(path: string, flags: "w" | "a" = "w") {
    this.fd = openSync(path, flags);
  }
  write(text: string): void {
    const buffer = Buffer.from(text);
    for (let at = 0; at < buffer.length; ) at += writeSync(this.fd, buffer, at);
    this.bytes += buffer.length;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** One small transcript: a header and a user message, so the named session has events to page. */
function writeTranscript(path: string, sessionId: string, at: number): void {
  const file = new Writer(path);
  const time = new Date(at).toISOString();
  file.write(`${JSON.stringify({ type: "session", version: 3, id: sessionId, timestamp: time, cwd: "/home/u" })}\n`);
  file.write(`${JSON.stringify({ type: "message", id: "m1", parentId: null, timestamp: time, message: { role: "user", content: [{ type: "text", text: "hello" }], timestamp: at } })}\n`);
  file.close();
  utimesSync(path, at / 1000, at / 1000);
}

/**
 * A store of one agent whose `sessions.json` holds `entries` sessions (pretty-printed, as the gateway
 * writes it), each with `fat` bulk or lean; only `withTranscripts` of them (the newest) have a transcript.
 */
export function buildRegistryStore(dir: string, options: { entries: number; fat: boolean; withTranscripts: number }): ScaleStore {
  rmSync(dir, { recursive: true, force: true });
  const sessions = join(dir, "agents", "main", "sessions");
  mkdirSync(sessions, { recursive: true });
  const bulk = options.fat ? fatBulk() : { origin: { provider: "telegram", chatType: "direct" } };
  const now = Date.now();
  const file = new Writer(join(sessions, "sessions.json"));
  file.write("{");
  let key = "";
  for (let i = 0; i < options.entries; i++) {
    const sessionId = `0000${i.toString(16)}-0000-4000-8000-${i.toString().padStart(12, "0")}`;
    const updatedAt = now - DAY_MS + Math.round((i / options.entries) * DAY_MS);
    key = `agent:main:telegram:dm:${100000 + i}`;
    const entry = { sessionId, updatedAt, sessionFile: `${sessionId}.jsonl`, chatType: "direct", ...bulk, label: `chat ${i}` };
    const text = JSON.stringify(entry, null, 2).replaceAll("\n", "\n  ");
    file.write(`${i === 0 ? "" : ","}\n  ${JSON.stringify(key)}: ${text}`);
    if (i >= options.entries - options.withTranscripts) writeTranscript(join(sessions, `${sessionId}.jsonl`), sessionId, updatedAt);
  }
  file.write("\n}\n");
  file.close();
  return { dir, key, sessions: options.entries, bytes: file.bytes };
}

/** A registry of fat entries of about `megabytes` MB in all. */
export function buildFatRegistryStore(dir: string, megabytes: number): ScaleStore {
  // (an entry as buildRegistryStore writes it: indented one level more, with its key)
  const perEntry = Buffer.byteLength(JSON.stringify({ ...fatBulk(), sessionId: "0".repeat(36), updatedAt: Date.now() }, null, 2).replaceAll("\n", "\n  ")) + 200;
  return buildRegistryStore(dir, { entries: Math.ceil((megabytes * 1024 * 1024) / perEntry), fat: true, withTranscripts: 20 });
}

/**
 * One session whose transcript holds, after a few ordinary lines, a tool result whose `details` is an
 * array of `arrayItems` numbers, then one line for each of `hugeItems`: a tool result with a string of
 * that many characters, a `details` array of that many numbers, and one of that many small objects
 * (each line stays under the reader's 64 MB line limit only for the sizes below it: one beyond is skipped).
 */
export function buildHugeArrayStore(dir: string, options: { arrayItems: number; hugeItems: number[] }): ScaleStore & { path: string } {
  rmSync(dir, { recursive: true, force: true });
  const sessions = join(dir, "agents", "main", "sessions");
  mkdirSync(sessions, { recursive: true });
  const sessionId = "0000aaaa-0000-4000-8000-000000000001";
  const path = join(sessions, `${sessionId}.jsonl`);
  const at = Date.now() - 3_600_000;
  writeTranscript(path, sessionId, at);
  const file = new Writer(path, "a");
  writeArrayResult(file, at, 1, options.arrayItems, "0,");
  options.hugeItems.forEach((n, i) => {
    writeStringResult(file, at, 10 + i * 3, n);
    writeArrayResult(file, at, 11 + i * 3, n, "7,");
    writeArrayResult(file, at, 12 + i * 3, Math.floor(n / 8), '{"a":1},');
  });
  file.close();
  const key = "agent:main:main";
  const registry = new Writer(join(sessions, "sessions.json"));
  registry.write(JSON.stringify({ [key]: { sessionId, updatedAt: at + 60_000, sessionFile: `${sessionId}.jsonl` } }, null, 2));
  registry.close();
  return { dir, key, sessions: 1, bytes: file.bytes, path };
}

function resultHead(at: number, n: number): string {
  const call = `toolu_${n}`;
  return JSON.stringify({ type: "message", id: `r${n}`, parentId: null, timestamp: new Date(at + n * 1000).toISOString() }).slice(0, -1) +
    `,"message":{"role":"toolResult","toolCallId":"${call}","toolName":"exec","isError":false,"timestamp":${at + n * 1000},"content":[{"type":"text","text":"done"}],"details":`;
}

/** A tool result line whose `details` is an array of `items` copies of `item` (which ends with a comma). */
function writeArrayResult(w: Writer, at: number, n: number, items: number, item: string): void {
  w.write(`${resultHead(at, n)}{"items":[`);
  writeRepeated(w, item, items);
  w.write(`${item.slice(0, -1)}]}}}\n`);
}

/** A tool result line whose `details.output` is a string of `chars` characters. */
function writeStringResult(w: Writer, at: number, n: number, chars: number): void {
  w.write(`${resultHead(at, n)}{"output":"`);
  writeRepeated(w, "log line ok\\n", Math.floor(chars / 12));
  w.write(`"}}}\n`);
}

function writeRepeated(w: Writer, piece: string, count: number): void {
  const perChunk = Math.max(1, Math.floor((1 << 20) / piece.length));
  const chunk = piece.repeat(perChunk);
  let left = count - 1; // the caller writes the last item (or none) itself
  for (; left >= perChunk; left -= perChunk) w.write(chunk);
  if (left > 0) w.write(piece.repeat(left));
}

/**
 * A scratch store for the fat-registry check: sessions of the generated store (transcripts hard-linked,
 * or copied across file systems) under registries whose entries carry what real OpenClaw entries carry
 * besides the fields we read: a skills snapshot and a system-prompt report per entry, as reported in
 * openclaw/openclaw#57534 (~43 KB + 5.5 KB per entry, 7-8 MB for 180 sessions) and #15145 (13 KB each).
 */
import { copyFileSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionFacts } from "./generate-store.js";

export type FatRegistryStore = { dir: string; sessions: number; registryBytes: number; key: string; lines: number };

/** What every entry repeats: the rendered skills prompt of 60 skills, their list, and a prompt report (~26 KB). */
/** What a real OpenClaw registry entry holds besides the fields sessions are made from: a skills snapshot and a prompt report (~15 KB). */
export function realEntryBulk(): Record<string, unknown> {
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
      systemPrompt: { chars: 24000, projectContextChars: 9000 },
      injectedWorkspaceFiles: Array.from({ length: 8 }, (_, i) => ({ name: `FILE${i}.md`, path: `/home/u/.openclaw/workspace/FILE${i}.md`, missing: false, rawChars: 1000 + i, injectedChars: 900 + i, truncated: false })),
      skills: { promptChars: prompt.length, entries: skills.map((s) => ({ name: s.name, blockChars: 180 })) },
      tools: { entries: Array.from({ length: 25 }, (_, i) => ({ name: `tool${i}`, summaryChars: 100, schemaChars: 1200, propertiesCount: 4 })) },
    },
    origin: { provider: "telegram", surface: "telegram", chatType: "direct", from: "telegram:123", to: "telegram:456" },
    deliveryContext: { channel: "telegram", to: "telegram:456", accountId: "default" },
  };
}

/** An entry's transcript file name (the generator writes bare names). */
export function transcriptFile(entry: Record<string, unknown>): string {
  return String(entry.sessionFile ?? `${String(entry.sessionId)}.jsonl`);
}

/** The first `count` sessions of the store's main agent (and `small`), each entry with the bulk added. */
export function buildFatRegistryStore(dir: string, store: string, small: SessionFacts, count: number): FatRegistryStore {
  rmSync(dir, { recursive: true, force: true });
  const from = join(store, "agents", "main", "sessions");
  const to = join(dir, "agents", "main", "sessions");
  mkdirSync(to, { recursive: true });
  const registry = JSON.parse(readFileSync(join(from, "sessions.json"), "utf8")) as Record<string, Record<string, unknown>>;
  const keys = Object.keys(registry).slice(0, count);
  const smallKey = Object.keys(registry).find((k) => registry[k]!.sessionId === small.sessionId);
  if (smallKey && !keys.includes(smallKey)) keys[keys.length - 1] = smallKey;
  const extra = realEntryBulk();
  const fat: Record<string, unknown> = {};
  const files = new Set(readdirSync(from));
  for (const key of keys) {
    const entry = registry[key]!;
    fat[key] = { ...entry, ...extra };
    const file = transcriptFile(entry);
    if (!files.has(file)) continue;
    try {
      linkSync(join(from, file), join(to, file));
    } catch {
      copyFileSync(join(from, file), join(to, file));
    }
  }
  const text = JSON.stringify(fat, null, 2);
  writeFileSync(join(to, "sessions.json"), text);
  const key = smallKey ?? keys[0]!;
  const transcript = join(to, transcriptFile(registry[key]!));
  const lines = readFileSync(transcript, "utf8").split("\n").filter((l) => l !== "").length;
  return { dir, sessions: keys.length, registryBytes: Buffer.byteLength(text), key, lines };
}

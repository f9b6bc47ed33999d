import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isSafeFileName } from "../paths.js";

/** The agent ids of a state dir: the directories under agents/. */
export async function agentIds(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "agents"), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && isSafeFileName(e.name))
    .map((e) => e.name)
    .sort();
}

/** Where an agent's SQLite session store lives (OpenClaw ~2026.7 and later). */
export function agentDatabasePath(root: string, agent: string): string {
  return join(root, "agents", agent, "agent", "openclaw-agent.sqlite");
}

/** An agent keeps its sessions in SQLite once the database exists; its old files are then ignored. */
export function usesSqlite(root: string, agent: string): boolean {
  return existsSync(agentDatabasePath(root, agent));
}

import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { isSafeFileName } from "../paths.js";
import type { SessionInfo, SessionListing, SessionSource } from "../session.js";
import { FileRead } from "../transcript/file-read.js";
import { asString, type Json } from "../transcript/values.js";
import { agentIds } from "./agents.js";
import { sessionFromEntry } from "./registry-entry.js";
import { RegistryFileReader } from "./registry-file.js";
import { isSkippedSessionFile, sessionIdOfFile, transcriptPathOf } from "./transcript-files.js";

/** The OpenClaw file store (STORES.md §1a): `agents/<id>/sessions/sessions.json` plus JSONL transcripts. */
export class OpenClawFileSource implements SessionSource {
  readonly kind = "openclaw-files" as const;
  private readonly registry = new RegistryFileReader();

  constructor(
    readonly root: string,
    /** Agents this source leaves to another (an agent migrated to SQLite). */
    private readonly skipAgent: (agent: string) => boolean = () => false,
  ) {}

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    for (const agent of await agentIds(this.root)) {
      if (this.skipAgent(agent)) continue;
      const sessionsDir = join(this.root, "agents", agent, "sessions");
      try {
        listing.sessions.push(...(await this.agentSessions(agent, sessionsDir, listing.warnings)));
      } catch (error) {
        listing.warnings.push(`agent ${agent}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return listing;
  }

  private async agentSessions(agent: string, sessionsDir: string, warnings: string[]): Promise<SessionInfo[]> {
    const registryPath = join(sessionsDir, "sessions.json");
    const read = await this.registry.read(registryPath);
    if (read?.stale) warnings.push(`agent ${agent}: using the last good copy of ${registryPath} (${read.stale})`);
    const sessions: SessionInfo[] = [];
    const claimed = new Set<string>();
    for (const [storeKey, entry] of read?.entries ?? []) {
      const sessionId = asString(entry.sessionId);
      const path = transcriptPathOf(sessionsDir, entry);
      if (!sessionId || !path) {
        warnings.push(`agent ${agent}: registry entry ${JSON.stringify(storeKey)} has no usable sessionId`);
        continue;
      }
      claimed.add(basename(path));
      sessions.push(await this.session(agent, sessionsDir, path, sessionId, storeKey, entry));
    }
    for (const name of await listDir(sessionsDir)) {
      if (claimed.has(name) || isSkippedSessionFile(name) || !isSafeFileName(name)) continue;
      const sessionId = sessionIdOfFile(name);
      sessions.push(await this.session(agent, sessionsDir, join(sessionsDir, name), sessionId, undefined, undefined));
    }
    return sessions;
  }

  private async session(
    agent: string,
    sessionsDir: string,
    path: string,
    sessionId: string,
    storeKey: string | undefined,
    entry: Json | undefined,
  ): Promise<SessionInfo> {
    return sessionFromEntry({
      agent,
      storeKey,
      sessionId,
      entry,
      source: this.kind,
      location: path,
      activityTimes: [await modifiedAt(path)],
      open: () => new FileRead(sessionsDir, path),
    });
  }
}

async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

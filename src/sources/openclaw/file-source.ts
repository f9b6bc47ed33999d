import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { SessionInfo, SessionSource } from "../session.js";
import { readLines } from "../transcript/line-reader.js";
import { transcriptEvents, type RawLine } from "../transcript/transcript-events.js";
import { asString, type Json } from "../transcript/values.js";
import { agentIds } from "./agents.js";
import { sessionFromEntry } from "./registry-entry.js";
import { RegistryFileReader } from "./registry-file.js";
import { canonicalKey } from "../../contract/session-keys.js";
import {
  confinedRealPath,
  isSafeFileName,
  isSkippedSessionFile,
  sessionIdOfFile,
  transcriptPathOf,
} from "./transcript-files.js";

export type SessionListing = { sessions: SessionInfo[]; warnings: string[] };

/** A file modified this recently may be in the middle of a write. */
const RECENT_WRITE_MS = 30_000;

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
    const source = this.kind;
    return sessionFromEntry({
      agent,
      storeKey,
      sessionId,
      entry,
      source,
      location: path,
      activityTimes: [await modifiedAt(path)],
      events: (registryEnd, options) => {
        const session = storeKey !== undefined ? canonicalKey(agent, storeKey) : `agent:${agent}:unregistered:${sessionId}`;
        const read = new FileRead(sessionsDir, path);
        return transcriptEvents(read.lines(), { agent, session, sessionId, source }, registryEnd, options, () => read.grown());
      },
    });
  }
}

/** One read of a transcript file, remembering how far it got so growth since can be detected. */
export class FileRead {
  private real: string | undefined;
  private readThrough = 0;

  constructor(
    private readonly root: string,
    private readonly path: string,
  ) {}

  async *lines(): AsyncGenerator<RawLine> {
    this.real = await confinedRealPath(this.root, this.path);
    if (!this.real) return; // missing, or a link that leads out of the sessions dir
    for await (const line of readLines(this.real)) {
      this.readThrough = line.end;
      const writtenRecently = !line.complete && (await this.modifiedWithin(RECENT_WRITE_MS));
      yield { text: line.text, bytes: line.end - line.offset, complete: line.complete, oversized: line.oversized, writtenRecently };
    }
  }

  private async modifiedWithin(ms: number): Promise<boolean> {
    try {
      return Date.now() - (await stat(this.real!)).mtimeMs <= ms;
    } catch {
      return false;
    }
  }

  async grown(): Promise<boolean> {
    const current = this.real ?? (await confinedRealPath(this.root, this.path));
    if (!current) return false;
    try {
      return (await stat(current)).size > this.readThrough;
    } catch {
      return false;
    }
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

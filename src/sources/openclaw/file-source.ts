import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { SessionInfo, SessionSource } from "../session.js";
import { readLines } from "../transcript/line-reader.js";
import { transcriptEvents, type RawLine, type RegistryEnd } from "../transcript/transcript-events.js";
import { asNumber, asString, parseInstant, type Json } from "../transcript/values.js";
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

/** Clock and file-system time can disagree a little; a session is only skipped by time beyond this. */
const ACTIVITY_SLACK_MS = 60_000;

/** The OpenClaw file store (STORES.md §1a): `agents/<id>/sessions/sessions.json` plus JSONL transcripts. */
export class OpenClawFileSource implements SessionSource {
  readonly kind = "openclaw-files" as const;
  private readonly registry = new RegistryFileReader();

  constructor(
    readonly root: string,
    /** Agents this source leaves to another (an agent migrated to SQLite). */
    private readonly skipAgent: (agent: string) => Promise<boolean> = async () => false,
  ) {}

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    for (const agent of await agentIds(this.root)) {
      if (await this.skipAgent(agent)) continue;
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
    const key = storeKey !== undefined ? canonicalKey(agent, storeKey) : `agent:${agent}:unregistered:${sessionId}`;
    const fileTime = await modifiedAt(path);
    const registryEnd: RegistryEnd | undefined = entry && {
      status: asString(entry.status),
      endedAt: parseInstant(entry.endedAt),
      updatedAt: parseInstant(entry.updatedAt),
      runtimeMs: asNumber(entry.runtimeMs),
    };
    const parent = asString(entry?.spawnedBy) ?? asString(entry?.parentSessionKey);
    const times = [fileTime, registryEnd?.updatedAt, registryEnd?.endedAt, parseInstant(entry?.lastActivityAt)];
    const known = times.filter((t): t is number => t !== undefined);
    const identity = { agent, session: key, sessionId, source: this.kind };
    return {
      key,
      storeKey: storeKey ?? key,
      agent,
      sessionId,
      source: this.kind,
      parentKey: parent ? canonicalKey(agent, parent) : undefined,
      updatedAt: registryEnd?.updatedAt ?? fileTime,
      status: registryEnd?.status ?? (entry ? undefined : "unregistered"),
      startedAt: parseInstant(entry?.startedAt) ?? parseInstant(entry?.sessionStartedAt),
      endedAt: registryEnd?.endedAt,
      runtimeMs: registryEnd?.runtimeMs,
      label: asString(entry?.label),
      displayName: asString(entry?.displayName),
      channel: asString(entry?.channel),
      model: asString(entry?.model),
      lastActivityAt: known.length > 0 ? Math.max(...known) + ACTIVITY_SLACK_MS : undefined,
      registered: entry !== undefined,
      location: path,
      events: (options) => transcriptEvents(fileLines(sessionsDir, path), identity, registryEnd, options.stats),
    };
  }
}

async function* fileLines(sessionsDir: string, path: string): AsyncGenerator<RawLine> {
  const real = await confinedRealPath(sessionsDir, path);
  if (!real) return; // missing, or a link that leads out of the sessions dir
  for await (const line of readLines(real)) {
    yield { text: line.text, bytes: line.end - line.offset, complete: line.complete, oversized: line.oversized };
  }
}

async function agentIds(root: string): Promise<string[]> {
  const agentsDir = join(root, "agents");
  const entries = await readdir(agentsDir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && isSafeFileName(e.name))
    .map((e) => e.name)
    .sort();
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

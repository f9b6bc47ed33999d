import { asCacheArea, type CacheArea } from "../cache-dir.js";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { isSafeFileName, ListingFs } from "../paths.js";
import type { SessionInfo, SessionListing, SessionSource, TranscriptRead } from "../session.js";
import { IndexStore } from "../index/index-store.js";
import { FileRead } from "../transcript/file-read.js";
import { asString, type Json } from "../transcript/values.js";
import { addRow, AgentListings, ARCHIVED, emptyRows, listingStamp, REGISTERED, transcriptPathAt, UNREGISTERED, type AgentRows } from "./agent-listing.js";
import { agentIds } from "./agents.js";
import type { Entry, EntryQuery } from "./registry-entries.js";
import { sessionAt, sessionFromEntry, storeKeysNaming, type EntrySession, type SessionPlace } from "./registry-entry.js";
import { RegistryFileReader } from "./registry-file.js";
import { oneEntryPerTranscript, type EntryCandidate, type GroupedEntry } from "./shared-transcripts.js";
import { archiveOfFile, isSkippedSessionFile, sessionIdOfFile, transcriptPathOf } from "./transcript-files.js";

/** The OpenClaw file store (STORES.md §1a): `agents/<id>/sessions/sessions.json` plus JSONL transcripts. */
export class OpenClawFileSource implements SessionSource {
  readonly kind = "openclaw-files" as const;
  private readonly registry: RegistryFileReader;
  /** Transcript file names per sessions dir, reused while the dir is unchanged (a dir's mtime moves when files come or go). */
  private readonly dirListings = new Map<string, { mtimeMs: number; names: string[]; archives: string[] }>();
  /** Each agent's sessions, as rows, reused while its registry and sessions dir are unchanged. */
  private readonly listings: AgentListings;

  private readonly skipAgent: (agent: string) => boolean;
  private readonly indexes: IndexStore;

  constructor(
    readonly root: string,
    options: {
      /** Agents this source leaves to another (an agent migrated to SQLite). */
      skipAgent?: (agent: string) => boolean;
      indexes?: IndexStore;
      /** Where copies of the registries persist (default: in memory only). */
      registryCopies?: string | CacheArea;
    } = {},
  ) {
    this.skipAgent = options.skipAgent ?? (() => false);
    this.indexes = options.indexes ?? new IndexStore(undefined);
    const copies = asCacheArea(options.registryCopies);
    this.registry = new RegistryFileReader(copies);
    this.listings = new AgentListings(copies);
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    const fs = new ListingFs();
    for (const agent of await agentIds(this.root)) {
      if (this.skipAgent(agent)) continue;
      const sessionsDir = join(this.root, "agents", agent, "sessions");
      try {
        listing.sessions.push(...(await this.agentSessions(agent, sessionsDir, listing.warnings, fs)));
      } catch (error) {
        listing.warnings.push(`agent ${agent}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return listing;
  }

  private async agentSessions(agent: string, sessionsDir: string, warnings: string[], fs: ListingFs): Promise<SessionInfo[]> {
    const registryPath = join(sessionsDir, "sessions.json");
    // (taken before either is read: a change after this makes a listing that is not kept under this stamp)
    const stamp = listingStamp(registryPath, sessionsDir);
    let rows = stamp === undefined ? undefined : this.listings.get(sessionsDir, stamp);
    if (!rows) {
      const made = await this.agentRows(agent, sessionsDir, registryPath);
      rows = made.rows;
      if (stamp !== undefined && made.keep) this.listings.set(sessionsDir, registryPath, stamp, rows);
    }
    warnings.push(...rows.warnings);
    return this.sessionsOf(agent, sessionsDir, rows, fs);
  }

  /** An agent's sessions as rows (see AgentRows); `keep`: false when made from a stale copy of the registry. */
  private async agentRows(agent: string, sessionsDir: string, registryPath: string): Promise<{ rows: AgentRows; keep: boolean }> {
    const read = await this.registry.read(registryPath);
    const rows = emptyRows();
    if (read?.stale) rows.warnings.push(`agent ${agent}: using the last good copy of ${registryPath} (${read.stale})`);
    // a transcript is the registry's when its file or its session id is (ids must stay unique)
    const claimed = new Set<string>();
    const candidates: FileEntry[] = [];
    for (const [storeKey, entry] of read?.entries ?? []) {
      const candidate = fileEntry(sessionsDir, storeKey, entry);
      if (candidate) candidates.push(candidate);
      else rows.warnings.push(`agent ${agent}: registry entry ${JSON.stringify(storeKey)} has no usable sessionId`);
    }
    const files = await this.transcriptFiles(sessionsDir);
    const names = new Set(files.names);
    for (const group of oneEntryPerTranscript(candidates)) {
      const { path, sessionId, storeKey, entry, aliases } = group;
      const listed = dirname(path) === sessionsDir && names.has(basename(path));
      const inside = path.startsWith(sessionsDir + sep) ? path.slice(sessionsDir.length + 1) : relative(sessionsDir, path);
      addRow(rows, { kind: REGISTERED, storeKey, sessionId, path: inside, listed, entry, aliases: aliases.map((a) => [a.storeKey, a.entry]) });
      for (const name of [group, ...aliases].flatMap((c) => filesClaimed(c.path, c.sessionId))) claimed.add(name);
    }
    for (const name of files.names) {
      if (!claimed.has(name)) addRow(rows, { kind: UNREGISTERED, storeKey: undefined, sessionId: sessionIdOfFile(name), path: name, listed: true });
    }
    const keyOfId = new Map<string, string>();
    for (const [storeKey, entry] of read?.entries ?? []) {
      const id = asString(entry.sessionId);
      if (id && !keyOfId.has(id)) keyOfId.set(id, storeKey);
    }
    for (const name of files.archives) {
      // the file does not say whose it was: the key whose registry entry names its session id, if any,
      // else a key of its own (`agent:<a>:unregistered:<id>`, as for any file the registry does not list)
      const { sessionId, archivedAt } = archiveOfFile(name)!;
      addRow(rows, { kind: ARCHIVED, storeKey: keyOfId.get(sessionId), sessionId, path: name, listed: true, entry: { sessionId, updatedAt: archivedAt } });
    }
    return { rows, keep: !read?.stale };
  }

  /** The sessions of an agent's rows: each a few fields and its row (see AgentPlace). */
  private sessionsOf(agent: string, sessionsDir: string, rows: AgentRows, fs: ListingFs): SessionInfo[] {
    const place = new AgentPlace(sessionsDir, rows, fs, this.indexes);
    const sessions: SessionInfo[] = [];
    for (let at = 0; at < rows.kinds.length; at++) {
      const kind = rows.kinds[at]!;
      sessions.push(
        sessionAt(
          {
            agent,
            storeKey: rows.storeKeys[at] ?? undefined,
            sessionId: rows.sessionIds[at]!,
            source: this.kind,
            watchDir: sessionsDir,
            generation: kind === ARCHIVED ? "earlier" : "current",
            registered: kind === REGISTERED,
          },
          place,
          at,
        ),
      );
    }
    return sessions;
  }

  /**
   * The sessions whose key or store key is `ref` (any case; a bare key as the default agent's) or whose
   * session id is `ref`, and maybe a few more, found without listing the store: undefined when a listing
   * is needed to tell (a transcript the registry does not list may be the one `ref` names, or a
   * registry cannot be read as it is now).
   */
  async named(ref: string): Promise<SessionInfo[] | undefined> {
    if (/:unregistered:/i.test(ref)) return undefined;
    const sessions: SessionInfo[] = [];
    const fs = new ListingFs();
    for (const agent of await agentIds(this.root)) {
      if (this.skipAgent(agent)) continue;
      const sessionsDir = join(this.root, "agents", agent, "sessions");
      const found = await this.entriesNamed(join(sessionsDir, "sessions.json"), storeKeysNaming(agent, ref), ref);
      if (found === undefined) return undefined;
      const candidates = found.map(([storeKey, entry]) => fileEntry(sessionsDir, storeKey, entry)).filter((c) => c !== undefined);
      const named = oneEntryPerTranscript(candidates).map((group) => this.registered(agent, sessionsDir, group, fs));
      // a transcript file `ref` names is a session of its own unless an entry claims it, as a listing
      // decides: one found here may; else only a listing can tell
      const file = `${ref}.jsonl`;
      const claimed = candidates.some((c) => filesClaimed(c.path, c.sessionId).includes(file));
      if (!claimed && isSafeFileName(file) && existsSync(join(sessionsDir, file))) return undefined;
      // a reset or deleted transcript of `ref` (by id, or of a key it names): a listing has it
      const archivedIds = new Set((await this.transcriptFiles(sessionsDir)).archives.map((name) => archiveOfFile(name)!.sessionId));
      if (archivedIds.has(ref) || named.some((s) => archivedIds.has(s.sessionId))) return undefined;
      sessions.push(...named);
    }
    return sessions;
  }

  /**
   * The entries whose store key is one of `storeKeys` or whose session id is `ref`, and every other entry
   * naming one of their transcripts (so that they group as in a listing); undefined when the registry
   * cannot be read as it is now.
   */
  private async entriesNamed(registryPath: string, storeKeys: string[], ref: string): Promise<Entry[] | undefined> {
    const lookup = (query: EntryQuery) => this.registry.lookup(registryPath, query).catch(() => null);
    const found = await lookup({ storeKeys, sessionId: ref });
    if (found === null || found?.stale) return undefined;
    const entries = found?.entries ?? [];
    const ids = new Set(entries.map(([, entry]) => asString(entry.sessionId)));
    ids.delete(undefined);
    ids.delete(ref);
    if (ids.size === 0) return entries;
    // again with those ids: the entries in registry order, as a listing has them
    const all = await lookup({ storeKeys, sessionId: ref, sessionIds: [...ids] as string[] });
    return all === null || all?.stale ? undefined : (all?.entries ?? []);
  }

  /** The session a registry entry (with the others naming its transcript) describes. */
  private registered(
    agent: string,
    sessionsDir: string,
    group: GroupedEntry<FileEntry>,
    fs: ListingFs,
    missing = (path: string) => !existsSync(path),
  ): SessionInfo {
    const { path, sessionId, storeKey, entry, aliases } = group;
    return this.session(agent, sessionsDir, path, sessionId, storeKey, entry, fs, { aliases, missing: () => (missing(path) ? basename(path) : undefined) });
  }

  /** The dir's transcript file names, and its reset/deleted archives'. */
  private async transcriptFiles(dir: string): Promise<{ names: string[]; archives: string[] }> {
    const mtimeMs = await modifiedAt(dir);
    const cached = this.dirListings.get(dir);
    if (cached && mtimeMs !== undefined && cached.mtimeMs === mtimeMs) return cached;
    const all = (await readdir(dir).catch(() => [] as string[])).filter((name) => isSafeFileName(name)).sort();
    const listing = { mtimeMs: mtimeMs ?? 0, names: all.filter((name) => !isSkippedSessionFile(name)), archives: all.filter((name) => archiveOfFile(name)) };
    if (mtimeMs !== undefined) this.dirListings.set(dir, listing);
    return listing;
  }

  private session(
    agent: string,
    sessionsDir: string,
    path: string,
    sessionId: string,
    storeKey: string | undefined,
    entry: Json | undefined,
    fs: ListingFs,
    more: Pick<EntrySession, "aliases" | "missing" | "registered" | "generation"> = {},
  ): SessionInfo {
    return sessionFromEntry({
      agent,
      storeKey,
      sessionId,
      entry,
      ...more,
      source: this.kind,
      location: path,
      watchDir: sessionsDir,
      lastWrite: () => fs.modifiedAt(sessionsDir, path),
      open: () => new FileRead(sessionsDir, path, fs),
      indexes: this.indexes,
    });
  }
}



/**
 * The transcripts and entries of one agent's rows, for the sessions of one listing (its ListingFs):
 * one object for all of them, each session being its row.
 */
class AgentPlace implements SessionPlace {
  constructor(
    private readonly sessionsDir: string,
    private readonly rows: AgentRows,
    private readonly fs: ListingFs,
    readonly indexes: IndexStore,
  ) {}

  location(at: number): string {
    return transcriptPathAt(this.sessionsDir, this.rows, at);
  }

  open(at: number): TranscriptRead {
    return new FileRead(this.sessionsDir, this.location(at), this.fs);
  }

  lastWrite(at: number): number | undefined {
    return this.fs.modifiedAt(this.sessionsDir, this.location(at));
  }

  missing(at: number): string | undefined {
    // (the dir's listing said it was there; else a fresh look: a transcript created since must be read, not passed over)
    if (this.rows.kinds[at] !== REGISTERED || this.rows.listed[at] === 1) return undefined;
    const path = this.location(at);
    return existsSync(path) ? undefined : basename(path);
  }

  knownActivity(at: number): number | undefined {
    return this.rows.activity[at] ?? undefined;
  }

  entryText(at: number): { text: string; aliased: boolean } {
    return { text: this.rows.details[at]!, aliased: this.aliased(at) };
  }

  aliased(at: number): boolean {
    return this.rows.aliased[at] === 1;
  }
}

/** A registry entry with the transcript file it names. */
type FileEntry = EntryCandidate & { path: string };

/** The entry as a candidate session; undefined when it names no usable transcript. */
function fileEntry(sessionsDir: string, storeKey: string, entry: Json): FileEntry | undefined {
  const sessionId = asString(entry.sessionId);
  const path = transcriptPathOf(sessionsDir, entry);
  return sessionId && path ? { storeKey, sessionId, entry, generation: "current", path } : undefined;
}

/** The transcript file names a registered session keeps from being listed as sessions of their own (ids must stay unique). */
function filesClaimed(path: string, sessionId: string): string[] {
  return [basename(path), `${sessionId}.jsonl`];
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

import { dirname } from "node:path";
import type { SessionInfo, SessionListing, SessionSource, TranscriptRead } from "../session.js";
import { asObject, asString, type Json } from "../transcript/values.js";
import { openAgentDb, type AgentDb } from "./agent-db.js";
import { agentDatabasePath, agentIds, agentStore, type SqliteLayout } from "./agents.js";
import { IndexStore } from "../index/index-store.js";
import { sessionFromEntry, storeKeysNaming } from "./registry-entry.js";
import { ArchiveRead, archiveRows, ColdRead, coldRows, type ArchiveRow, type ColdRow } from "./database-archives.js";
import { oneEntryPerTranscript, type EntryCandidate } from "./shared-transcripts.js";
import { DatabaseRead, lastRowTime } from "./transcript-rows.js";
import { statStamp } from "../listing-stamp.js";

type Row = Record<string, unknown>;

/** Ids that any JSON writer writes as they are (a substring test finds them in entry JSON). */
const PLAIN_ID = /^[A-Za-z0-9._:-]+$/;

/** Registry columns promoted from entry_json, as [column, entry field]: the entry wins, columns fill gaps. */
const PROMOTED: Array<[string, string]> = [
  ["current_session_id", "sessionId"],
  ["updated_at", "updatedAt"],
  ["status", "status"],
  ["created_at", "createdAt"],
  ["parent_session_key", "parentSessionKey"],
  ["spawned_by", "spawnedBy"],
  ["label", "label"],
  ["display_name", "displayName"],
  ["last_activity_at", "lastActivityAt"],
  ["archived_at", "archivedAt"],
];

/** Window columns that describe an earlier transcript generation, as [column, entry field]. */
const WINDOW_FIELDS: Array<[string, string]> = [
  ["session_id", "sessionId"],
  ["updated_at", "updatedAt"],
  ["status", "status"],
  ["started_at", "startedAt"],
  ["ended_at", "endedAt"],
  ["parent_session_key", "parentSessionKey"],
  ["spawned_by", "spawnedBy"],
  ["display_name", "displayName"],
  ["channel", "channel"],
  ["model", "model"],
];

/** What an agent database holds besides its registry rows: archives, and windows gone cold. */
type Extras = { archives: ArchiveRow[]; cold: Map<string, ColdRow>; withRows: (sessionId: string) => boolean };

/**
 * The OpenClaw SQLite store (STORES.md §1b): per agent, `agent/openclaw-agent.sqlite` with the registry
 * in session_nodes (older layout: session_entries), transcript generations in session_windows (older:
 * sessions), lines in transcript_events (maybe zstd-compressed), and reset/deleted transcripts and
 * cold windows in their archive tables. An agent whose database holds none of these is left to the
 * file source (agentStore decides for both).
 */
export class OpenClawSqliteSource implements SessionSource {
  readonly kind = "openclaw-sqlite" as const;
  /** Each database's row stamp, with the stamp of its files it was taken at. */
  private readonly rowStamps = new Map<string, { files: string; stamp: string }>();

  constructor(
    readonly root: string,
    private readonly indexes: IndexStore = new IndexStore(undefined),
  ) {}

  /** Whether this source reads the agent (the file source then leaves it alone). */
  hasDatabase(agent: string): boolean {
    return agentStore(this.root, agent).kind !== "files";
  }

  /**
   * The sessions whose key or store key is `ref` (any case) or whose session id is `ref`, and maybe a
   * few more, without parsing every row's entry: keys are compared in full, ids found by a substring
   * test on the entry JSON first, which holds a plain id (letters, digits, `.:_-`) as it is. Undefined
   * when only a listing can tell (an id of other characters, a database that cannot be read).
   */
  async named(ref: string): Promise<SessionInfo[] | undefined> {
    const sessions: SessionInfo[] = [];
    for (const agent of await agentIds(this.root)) {
      const store = agentStore(this.root, agent);
      if (store.kind === "files") continue;
      if (store.kind === "unreadable" || !PLAIN_ID.test(ref)) return undefined;
      const path = agentDatabasePath(this.root, agent);
      let db: AgentDb | undefined;
      try {
        db = openAgentDb(path);
        sessions.push(...this.agentSessionsNamed(db, store.layout, agent, path, ref));
      } catch {
        return undefined;
      } finally {
        db?.close();
      }
    }
    return sessions;
  }

  /**
   * What moves when a database agent gains or loses a session (its registry, window and archive rows'
   * counts and last row ids), not when a session gains events: a query compares it before and after
   * its reads to learn whether sessions were added meanwhile.
   */
  sessionSetStamp(agents: readonly string[]): string {
    const parts: string[] = [];
    for (const agent of agents) {
      const path = agentDatabasePath(this.root, agent);
      // (no session comes without a write: while the database and its -wal are as they were, so are the rows;
      // their contents' times, not the change times, which opening a live database moves)
      const files = statStamp([path, `${path}-wal`], { contentOnly: true });
      if (files.startsWith("-")) continue; // no database: a files agent
      const store = agentStore(this.root, agent);
      if (store.kind !== "sqlite") continue;
      let rows = this.rowStamps.get(path);
      if (rows?.files !== files) {
        rows = { files, stamp: rowStamp(path, store.layout) };
        this.rowStamps.set(path, rows);
      }
      parts.push(`${agent}/${rows.stamp}`);
    }
    return parts.join("|");
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    for (const agent of await agentIds(this.root)) {
      const store = agentStore(this.root, agent);
      if (store.kind === "files") continue;
      const path = agentDatabasePath(this.root, agent);
      if (store.kind === "unreadable") {
        listing.warnings.push(`agent ${agent}: cannot read ${path}: ${store.error}`);
        continue;
      }
      let db: AgentDb | undefined;
      try {
        db = openAgentDb(path);
        const extras = this.extras(db, store.layout, path);
        for (const cold of extras.cold.values()) if (cold.problem) listing.warnings.push(`agent ${agent}: ${cold.problem}`);
        for (const archive of extras.archives) {
          if (archive.tooLarge) listing.warnings.push(`agent ${agent}: archive of ${archive.sessionId} is too large to read`);
        }
        listing.sessions.push(...this.agentSessions(db, store.layout, agent, path, extras));
      } catch (error) {
        listing.warnings.push(`agent ${agent}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        db?.close();
      }
    }
    return listing;
  }

  private agentSessions(db: AgentDb, layout: SqliteLayout, agent: string, path: string, extras: Extras): SessionInfo[] {
    const windows = layout.windows ? (db.prepare(`SELECT * FROM ${layout.windows}`).all() as Row[]) : [];
    return this.sessionsOf(agent, path, layout, nodeRows(db, layout), windows, extras);
  }

  /**
   * What agentSessions gives of the rows `ref` may name: the nodes and windows of its keys and of its
   * id, and the nodes of those windows' keys (which tell whether a window is the current one).
   */
  private agentSessionsNamed(db: AgentDb, layout: SqliteLayout, agent: string, path: string, ref: string): SessionInfo[] {
    const keys = new Set(storeKeysNaming(agent, ref));
    const lower = (key: unknown) => (typeof key === "string" ? key.toLowerCase() : undefined);
    const extras = this.extras(db, layout, path);
    extras.archives = extras.archives.filter((a) => keys.has(a.sessionKey.toLowerCase()) || a.sessionId === ref);
    const windowRefs = layout.windows ? (db.prepare(`SELECT rowid AS id, session_key AS key, session_id AS sid FROM ${layout.windows}`).all() as Row[]) : [];
    const windowIds = windowRefs.filter((w) => keys.has(lower(w.key)!) || w.sid === ref).map((w) => w.id);
    let windows = layout.windows ? rowsById(db, layout.windows, windowIds) : [];
    const windowKeys = new Set([...windows.map((w) => lower(w.session_key)), ...extras.archives.map((a) => lower(a.sessionKey))]);
    const nodeIds = (
      db.prepare(`SELECT rowid AS id, session_key AS key, (instr(entry_json, @ref) > 0 OR ${layout.currentIdColumn} = @ref) AS maybe FROM ${layout.nodes}`).all({ ref }) as Row[]
    )
      .filter((n) => keys.has(lower(n.key)!) || n.maybe === 1 || windowKeys.has(lower(n.key)))
      .map((n) => n.id);
    let nodes = nodeRows(db, layout, nodeIds);
    // the other keys naming the same transcripts, so that they group as a listing groups them
    const ids = new Set<string>();
    for (const n of nodes) ids.add(asString(withColumns(parseEntry(n.entry_json), n, PROMOTED).sessionId) ?? ref);
    for (const w of windows) ids.add(asString(w.session_id) ?? ref);
    ids.delete(ref);
    const sameId = db.prepare(`SELECT rowid AS id FROM ${layout.nodes} WHERE ${layout.currentIdColumn} = @id OR instr(entry_json, @id) > 0`);
    const more = [...ids].flatMap((id) => (sameId.all({ id }) as Row[]).map((n) => n.id));
    const extra = more.filter((id) => !nodeIds.includes(id));
    if (extra.length > 0) nodes = nodeRows(db, layout, [...nodeIds, ...extra]);
    const extraWindows = windowRefs.filter((w) => ids.has(w.sid as string) && !windowIds.includes(w.id)).map((w) => w.id);
    if (layout.windows && extraWindows.length > 0) windows = rowsById(db, layout.windows, [...windowIds, ...extraWindows]);
    return this.sessionsOf(agent, path, layout, nodes, windows, extras);
  }

  private extras(db: AgentDb, layout: SqliteLayout, path: string): Extras {
    const archives = layout.archives ? archiveRows(db) : [];
    const cold = layout.coldArchives ? coldRows(db, path) : new Map<string, ColdRow>();
    const hasRows = db.prepare("SELECT EXISTS (SELECT 1 FROM transcript_events WHERE session_id = ?) AS has");
    return { archives, cold, withRows: (sessionId) => (hasRows.get(sessionId) as { has: number }).has === 1 };
  }

  /**
   * The sessions of registry rows: one per node (its current transcript), one per window of an earlier
   * one, and one per archived transcript no row lists (earlier too); where several keys name one
   * transcript, one session with the other keys as its aliases. A transcript is read from where its
   * rows are: transcript_events, else its cold archive, else its reset/deleted archive.
   */
  private sessionsOf(agent: string, path: string, layout: SqliteLayout, nodes: Row[], windows: Row[], extras: Extras): SessionInfo[] {
    const candidates: EntryCandidate[] = [];
    const currentIds = new Map<string, string>();
    const listed = new Set<string>();
    const archived = new Map(extras.archives.map((a) => [a.sessionId, a]));
    const reading = (sessionId: string): Reading => {
      const cold = extras.cold.get(sessionId);
      if (cold) return { cold };
      const archive = archived.get(sessionId);
      return archive && !extras.withRows(sessionId) ? { archive } : {};
    };
    for (const node of nodes) {
      const storeKey = asString(node.session_key);
      if (!storeKey) continue;
      const entry = withColumns(parseEntry(node.entry_json), node, PROMOTED);
      const sessionId = asString(entry.sessionId);
      if (!sessionId) continue;
      currentIds.set(storeKey.toLowerCase(), sessionId);
      listed.add(sessionId);
      candidates.push({ storeKey, sessionId, entry, generation: "current" });
    }
    for (const window of windows) {
      const storeKey = asString(window.session_key);
      const sessionId = asString(window.session_id);
      if (!storeKey || !sessionId || currentIds.get(storeKey.toLowerCase()) === sessionId) continue;
      listed.add(sessionId);
      candidates.push({ storeKey, sessionId, entry: withColumns({}, window, WINDOW_FIELDS), generation: "earlier" });
    }
    const fromArchive = new Set<string>();
    for (const archive of extras.archives) {
      if (listed.has(archive.sessionId)) continue;
      const entry: Json = { sessionId: archive.sessionId, ...(archive.createdAt !== undefined ? { updatedAt: archive.createdAt } : {}) };
      fromArchive.add(archive.sessionId);
      candidates.push({ storeKey: archive.sessionKey, sessionId: archive.sessionId, entry, generation: "earlier" });
    }
    // whether each transcript has rows is looked up for all of them at once, when first asked; one found
    // without rows is looked for again on each ask (rows written since the listing must be read)
    let withRows: Set<string> | undefined;
    const ids = candidates.map((c) => c.sessionId);
    // (made from the id alone: a closure over the candidate would keep its whole entry)
    const missing = (sessionId: string, from: Reading) => () => {
      if (from.cold || from.archive) return undefined; // its rows are in the archive
      if (withRows === undefined) withRows = sessionIdsWithRows(path, ids);
      else if (!withRows.has(sessionId) && sessionIdsWithRows(path, [sessionId]).has(sessionId)) withRows.add(sessionId);
      return withRows.has(sessionId) ? undefined : `session id ${sessionId}`;
    };
    return oneEntryPerTranscript(candidates).map((c) => {
      const from = fromArchive.has(c.sessionId) ? { archive: archived.get(c.sessionId)! } : reading(c.sessionId);
      return this.session(path, layout, agent, c.storeKey, c.sessionId, c.entry, c.generation, from, c.aliases, missing(c.sessionId, from));
    });
  }

  private session(
    path: string,
    layout: SqliteLayout,
    agent: string,
    storeKey: string,
    sessionId: string,
    entry: Json,
    generation: "current" | "earlier",
    from: Reading,
    aliases: readonly EntryCandidate[],
    missing: () => string | undefined,
  ): SessionInfo {
    let open: () => TranscriptRead;
    let lastWrite: () => number | undefined;
    if (from.cold) {
      open = () => new ColdRead(path, sessionId);
      lastWrite = () => from.cold!.archivedAt;
    } else if (from.archive) {
      open = () => new ArchiveRead(path, from.archive!);
      lastWrite = () => from.archive!.createdAt;
    } else {
      open = () => new DatabaseRead(path, sessionId, layout.compressed);
      lastWrite = () => lastRowTime(path, sessionId);
    }
    return sessionFromEntry({
      agent,
      storeKey,
      sessionId,
      entry,
      aliases,
      missing,
      source: this.kind,
      generation,
      location: `${path}#${sessionId}`,
      watchDir: dirname(path),
      lastWrite,
      open,
      indexes: this.indexes,
    });
  }
}

type Reading = { cold?: ColdRow; archive?: ArchiveRow };

/** Registry rows (the older layout's session_entries name the current transcript `session_id`). */
function nodeRows(db: AgentDb, layout: SqliteLayout, ids?: unknown[]): Row[] {
  const select = `SELECT *, ${layout.currentIdColumn} AS current_session_id FROM ${layout.nodes}`;
  if (ids === undefined) return db.prepare(select).all() as Row[];
  if (ids.length === 0) return [];
  return db.prepare(`${select} WHERE rowid IN (${ids.map(() => "?").join(",")}) ORDER BY rowid`).all(...ids) as Row[];
}

/** Which of these transcripts have any row (a transcript without rows does not exist in the database). */
function sessionIdsWithRows(path: string, sessionIds: readonly string[]): Set<string> {
  const found = new Set<string>();
  try {
    const db = openAgentDb(path);
    try {
      const any = db.prepare("SELECT 1 FROM transcript_events WHERE session_id = ? LIMIT 1");
      for (const id of sessionIds) if (any.get(id) !== undefined) found.add(id);
    } finally {
      db.close();
    }
  } catch {
    // unreadable now: say nothing is missing rather than guess
    return new Set(sessionIds);
  }
  return found;
}

/** Rows of a table by rowid, in rowid order (as a whole-table scan gives them). */
function rowsById(db: AgentDb, table: string, ids: unknown[]): Row[] {
  if (ids.length === 0) return [];
  return db.prepare(`SELECT * FROM ${table} WHERE rowid IN (${ids.map(() => "?").join(",")}) ORDER BY rowid`).all(...ids) as Row[];
}

function parseEntry(value: unknown): Json {
  if (typeof value !== "string") return {};
  try {
    return asObject(JSON.parse(value)) ?? {};
  } catch {
    return {};
  }
}

function withColumns(entry: Json, row: Row, columns: Array<[string, string]>): Json {
  const merged: Json = { ...entry };
  for (const [column, field] of columns) {
    if (merged[field] === undefined && row[column] !== undefined && row[column] !== null) merged[field] = row[column];
  }
  return merged;
}

/** Counts and last row ids of the tables a database agent's sessions are listed from. */
function rowStamp(path: string, layout: SqliteLayout): string {
  let db: AgentDb | undefined;
  try {
    db = openAgentDb(path);
    const tables = [layout.nodes, layout.windows, layout.archives ? "session_transcript_archives" : undefined];
    return tables
      .filter((t): t is string => t !== undefined)
      .map((table) => {
        const row = db!.prepare(`SELECT count(*) AS n, max(rowid) AS last FROM ${table}`).get() as { n: number; last: number | null };
        return `${table}:${row.n}:${row.last}`;
      })
      .join(",");
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    db?.close();
  }
}

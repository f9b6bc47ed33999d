import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { SessionInfo, SessionListing, SessionSource, TranscriptRead, TranscriptStamp } from "../session.js";
import type { RawLine } from "../transcript/transcript-events.js";
import { TURN, turnDue, withoutTurns, type Turn } from "../transcript/turns.js";
import { asObject, asString, type Json } from "../transcript/values.js";
import { openAgentDb, tableColumns, type AgentDb } from "./agent-db.js";
import { agentDatabasePath, agentIds, usesSqlite } from "./agents.js";
import { IndexStore } from "../index/index-store.js";
import { sessionFromEntry, storeKeysNaming } from "./registry-entry.js";
import { oneEntryPerTranscript, type EntryCandidate } from "./shared-transcripts.js";

type Row = Record<string, unknown>;

const BATCH_ROWS = 512;
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

/**
 * The OpenClaw SQLite store (STORES.md §1b): per agent, `agent/openclaw-agent.sqlite` with the registry
 * in session_nodes, transcript generations in session_windows and lines in transcript_events.
 */
export class OpenClawSqliteSource implements SessionSource {
  readonly kind = "openclaw-sqlite" as const;

  constructor(
    readonly root: string,
    private readonly indexes: IndexStore = new IndexStore(undefined),
  ) {}

  hasDatabase(agent: string): boolean {
    return usesSqlite(this.root, agent);
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
      if (!this.hasDatabase(agent)) continue;
      if (!PLAIN_ID.test(ref)) return undefined;
      const path = agentDatabasePath(this.root, agent);
      let db: AgentDb | undefined;
      try {
        db = openAgentDb(path);
        sessions.push(...this.agentSessionsNamed(db, agent, path, ref));
      } catch {
        return undefined;
      } finally {
        db?.close();
      }
    }
    return sessions;
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    for (const agent of await agentIds(this.root)) {
      if (!this.hasDatabase(agent)) continue;
      const path = agentDatabasePath(this.root, agent);
      let db: AgentDb | undefined;
      try {
        db = openAgentDb(path);
        listing.sessions.push(...this.agentSessions(db, agent, path));
      } catch (error) {
        listing.warnings.push(`agent ${agent}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        db?.close();
      }
    }
    return listing;
  }

  private agentSessions(db: AgentDb, agent: string, path: string): SessionInfo[] {
    const windows = tableColumns(db, "session_windows").has("session_key") ? (db.prepare("SELECT * FROM session_windows").all() as Row[]) : [];
    return this.sessionsOf(agent, path, db.prepare("SELECT * FROM session_nodes").all() as Row[], windows);
  }

  /**
   * What agentSessions gives of the rows `ref` may name: the nodes and windows of its keys and of its
   * id, and the nodes of those windows' keys (which tell whether a window is the current one).
   */
  private agentSessionsNamed(db: AgentDb, agent: string, path: string, ref: string): SessionInfo[] {
    const keys = new Set(storeKeysNaming(agent, ref));
    const lower = (key: unknown) => (typeof key === "string" ? key.toLowerCase() : undefined);
    const windowRefs = tableColumns(db, "session_windows").has("session_key")
      ? (db.prepare("SELECT rowid AS id, session_key AS key, session_id AS sid FROM session_windows").all() as Row[])
      : [];
    const windowIds = windowRefs.filter((w) => keys.has(lower(w.key)!) || w.sid === ref).map((w) => w.id);
    let windows = rowsById(db, "session_windows", windowIds);
    const windowKeys = new Set(windows.map((w) => lower(w.session_key)));
    const hasIdColumn = tableColumns(db, "session_nodes").has("current_session_id");
    const byId = hasIdColumn ? "current_session_id = @ref" : "0";
    const nodeIds = (db.prepare(`SELECT rowid AS id, session_key AS key, (instr(entry_json, @ref) > 0 OR ${byId}) AS maybe FROM session_nodes`).all({ ref }) as Row[])
      .filter((n) => keys.has(lower(n.key)!) || n.maybe === 1 || windowKeys.has(lower(n.key)))
      .map((n) => n.id);
    let nodes = rowsById(db, "session_nodes", nodeIds);
    // the other keys naming the same transcripts, so that they group as a listing groups them
    const ids = new Set<string>();
    for (const n of nodes) ids.add(asString(withColumns(parseEntry(n.entry_json), n, PROMOTED).sessionId) ?? ref);
    for (const w of windows) ids.add(asString(w.session_id) ?? ref);
    ids.delete(ref);
    const more = [...ids].flatMap((id) =>
      (db.prepare(`SELECT rowid AS id FROM session_nodes WHERE ${hasIdColumn ? "current_session_id = @id OR " : ""}instr(entry_json, @id) > 0`).all({ id }) as Row[]).map((n) => n.id),
    );
    const extra = more.filter((id) => !nodeIds.includes(id));
    if (extra.length > 0) nodes = rowsById(db, "session_nodes", [...nodeIds, ...extra]);
    const extraWindows = windowRefs.filter((w) => ids.has(w.sid as string) && !windowIds.includes(w.id)).map((w) => w.id);
    if (extraWindows.length > 0) windows = rowsById(db, "session_windows", [...windowIds, ...extraWindows]);
    return this.sessionsOf(agent, path, nodes, windows);
  }

  /**
   * The sessions of registry rows: one per node (its current transcript), one per window of an earlier
   * one; where several keys name one transcript, one session with the other keys as its aliases.
   */
  private sessionsOf(agent: string, path: string, nodes: Row[], windows: Row[]): SessionInfo[] {
    const candidates: EntryCandidate[] = [];
    const currentIds = new Map<string, string>();
    for (const node of nodes) {
      const storeKey = asString(node.session_key);
      if (!storeKey) continue;
      const entry = withColumns(parseEntry(node.entry_json), node, PROMOTED);
      const sessionId = asString(entry.sessionId);
      if (!sessionId) continue;
      currentIds.set(storeKey.toLowerCase(), sessionId);
      candidates.push({ storeKey, sessionId, entry, generation: "current" });
    }
    for (const window of windows) {
      const storeKey = asString(window.session_key);
      const sessionId = asString(window.session_id);
      if (!storeKey || !sessionId || currentIds.get(storeKey.toLowerCase()) === sessionId) continue;
      candidates.push({ storeKey, sessionId, entry: withColumns({}, window, WINDOW_FIELDS), generation: "earlier" });
    }
    // whether each transcript has rows is looked up for all of them at once, when first asked (once per listing)
    let withRows: Set<string> | undefined;
    const ids = candidates.map((c) => c.sessionId);
    // (made from the id alone: a closure over the candidate would keep its whole entry)
    const missing = (sessionId: string) => () => {
      withRows ??= sessionIdsWithRows(path, ids);
      return withRows.has(sessionId) ? undefined : `session id ${sessionId}`;
    };
    return oneEntryPerTranscript(candidates).map((c) =>
      this.session(path, agent, c.storeKey, c.sessionId, c.entry, c.generation, c.aliases, missing(c.sessionId)),
    );
  }

  private session(
    path: string,
    agent: string,
    storeKey: string,
    sessionId: string,
    entry: Json,
    generation: "current" | "earlier",
    aliases: readonly EntryCandidate[],
    missing: () => string | undefined,
  ): SessionInfo {
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
      lastWrite: () => lastRowTime(path, sessionId),
      open: () => new DatabaseRead(path, sessionId),
      indexes: this.indexes,
    });
  }
}

/** A transcript's rows by seq, fetched in short batches so no read transaction stays open. */
class DatabaseRead implements TranscriptRead {
  readonly id: string;
  private lastSeq = Number.MIN_SAFE_INTEGER;

  constructor(
    private readonly path: string,
    private readonly sessionId: string,
  ) {
    this.id = `sqlite:${path}#${sessionId}`;
  }

  *lines(from = Number.MIN_SAFE_INTEGER, to = Number.MAX_SAFE_INTEGER): Generator<RawLine | Turn> {
    const db = openAgentDb(this.path);
    try {
      const batch = db.prepare(
        "SELECT seq, event_json FROM transcript_events WHERE session_id = ? AND seq >= ? AND seq < ? ORDER BY seq LIMIT ?",
      );
      let next = from;
      for (;;) {
        const rows = batch.all(this.sessionId, next, to, BATCH_ROWS) as Array<{ seq: number; event_json: unknown }>;
        for (const row of rows) {
          this.lastSeq = Math.max(this.lastSeq, row.seq);
          const text = typeof row.event_json === "string" ? row.event_json : "";
          const bytes = Buffer.byteLength(text) + 1;
          yield { text, bytes, at: row.seq, next: row.seq + 1 };
          if (turnDue(bytes)) yield TURN;
        }
        if (rows.length < BATCH_ROWS) return;
        next = rows[rows.length - 1]!.seq + 1;
      }
    } finally {
      db.close();
    }
  }

  readThrough(next: number): void {
    this.lastSeq = Math.max(this.lastSeq, next - 1);
  }

  grown(): boolean {
    return this.end() > this.lastSeq + 1;
  }

  end(): number {
    return this.query((db) => {
      const row = db.prepare("SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?").get(this.sessionId) as { seq: number | null };
      return row.seq === null ? 0 : row.seq + 1;
    });
  }

  stamp(): TranscriptStamp {
    // rows are only ever added, so the end tells what changed, but for another database put in place of
    // this one (a restored copy)
    return { end: this.end(), holder: this.holder(), changed: "" };
  }

  version(): string {
    return `${this.holder()}:${this.end()}`;
  }

  /** The database file's inode ("missing" when it is gone). */
  private holder(): string {
    try {
      return String(statSync(this.path).ino);
    } catch {
      return "missing";
    }
  }

  firstLine(): string | undefined {
    for (const line of withoutTurns(this.lines())) return line.text;
    return undefined;
  }

  fingerprint(at: number): string {
    return this.query((db) => {
      const first = db.prepare("SELECT seq, event_json FROM transcript_events WHERE session_id = ? ORDER BY seq LIMIT 1").get(this.sessionId);
      const last = db
        .prepare("SELECT seq, event_json FROM transcript_events WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1")
        .get(this.sessionId, at);
      return createHash("sha1").update(JSON.stringify([first, last, at])).digest("base64url");
    });
  }

  private query<T>(run: (db: AgentDb) => T): T {
    const db = openAgentDb(this.path);
    try {
      return run(db);
    } finally {
      db.close();
    }
  }
}

/** When the transcript's last row was written (rows are stamped by the gateway as it inserts them). */
function lastRowTime(path: string, sessionId: string): number | undefined {
  const db = openAgentDb(path);
  try {
    const row = db.prepare("SELECT created_at AS t FROM transcript_events WHERE session_id = ? ORDER BY seq DESC LIMIT 1").get(sessionId) as
      | { t?: number }
      | undefined;
    return typeof row?.t === "number" ? row.t : undefined;
  } finally {
    db.close();
  }
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

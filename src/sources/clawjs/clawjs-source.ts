import { closeSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { IndexStore } from "../index/index-store.js";
import { sessionFromEntry } from "../openclaw/registry-entry.js";
import { isSafeFileName, ListingFs } from "../paths.js";
import type { SessionInfo, SessionListing, SessionSource } from "../session.js";
import { FileRead } from "../transcript/file-read.js";
import { contentText } from "../transcript/content.js";
import { headLines, tailLines } from "../transcript/peek.js";
import { asObject, asString, parseInstant, type Json } from "../transcript/values.js";

export const CLAWJS_CONVERSATIONS = join(".clawjs", "conversations");
export const DEFAULT_CLAWJS_AGENT = "clawjs";

/** What a listing learned of one conversation file, kept while the file is unchanged. */
type Known = { version: string; label: string | undefined; lastMessage: number | undefined };

/** Work a listing did, for tests and benchmarks: an unchanged workspace is listed without opening its files. */
export type ListingWork = { dirsRead: number; filesOpened: number };

/**
 * A ClawJS workspace (STORES.md §2): `.clawjs/conversations/<sessionId>.jsonl`, no registry. The
 * workspace is one agent; a session's title is its header's, else its first user message; its
 * updatedAt is its last message's time.
 */
export class ClawJsSource implements SessionSource {
  readonly kind = "clawjs" as const;
  readonly conversationsDir: string;
  readonly work: ListingWork = { dirsRead: 0, filesOpened: 0 };
  /** The conversation file names, reused while the dir is unchanged (its mtime moves when files come or go). */
  private names: { mtimeMs: number; names: string[] } | undefined;
  /** Each conversation's title and last message time, reused while its file is unchanged (inode, size, times). */
  private readonly known = new Map<string, Known>();

  constructor(
    readonly root: string,
    private readonly agent = DEFAULT_CLAWJS_AGENT,
    private readonly indexes: IndexStore = new IndexStore(undefined),
  ) {
    this.conversationsDir = join(root, CLAWJS_CONVERSATIONS);
  }

  async listSessions(): Promise<SessionInfo[]> {
    return (await this.list()).sessions;
  }

  /**
   * Lists incrementally: a workspace of 20,000 conversations costs a stat of each (to see which
   * changed) and a read of the changed ones only, not 40,000 reads every time.
   */
  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    const fs = new ListingFs();
    const listed = new Set<string>();
    let n = 0;
    for (const name of await this.conversationNames()) {
      if (++n % TURN_EVERY === 0) await nextTurn();
      const path = join(this.conversationsDir, name);
      try {
        // confined to the workspace (the conversations dir itself may be a link), regular files only
        const read = new FileRead(this.root, path, fs);
        const real = read.realPath();
        const facts = real === undefined ? undefined : fs.stat(real);
        if (!facts) {
          listing.warnings.push(`clawjs ${path}: not a regular file inside the workspace; skipped`);
          continue;
        }
        const known = this.conversation(name, read, `${real}:${facts.ino}:${facts.size}:${facts.mtimeMs}:${facts.ctimeMs}`);
        if (!known) continue; // swapped for something else since it was resolved
        listed.add(name);
        listing.sessions.push(this.session(path, name.slice(0, -".jsonl".length), known, facts.mtimeMs, fs));
      } catch (error) {
        listing.warnings.push(`clawjs ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const name of this.known.keys()) if (!listed.has(name)) this.known.delete(name);
    return listing;
  }

  private async conversationNames(): Promise<string[]> {
    const mtimeMs = await stat(this.conversationsDir).then((info) => info.mtimeMs, () => undefined);
    if (this.names && mtimeMs !== undefined && this.names.mtimeMs === mtimeMs) return this.names.names;
    this.work.dirsRead++;
    const names = (await readdir(this.conversationsDir).catch(() => [] as string[]))
      .filter((name) => name.endsWith(".jsonl") && isSafeFileName(name))
      .sort();
    this.names = mtimeMs === undefined ? undefined : { mtimeMs, names };
    return names;
  }

  /** A conversation's title and last message time: known, or read from its head and tail through a checked descriptor. */
  private conversation(name: string, read: FileRead, version: string): Known | undefined {
    const known = this.known.get(name);
    if (known?.version === version) return known;
    const file = read.open();
    if (!file) return undefined;
    this.work.filesOpened++;
    try {
      const opened = { fd: file.fd, size: file.info.size };
      const fresh = { version, label: titleOf(headLines(opened)), lastMessage: lastMessageTime(tailLines(opened)) };
      this.known.set(name, fresh);
      return fresh;
    } finally {
      closeSync(file.fd);
    }
  }

  private session(path: string, sessionId: string, known: Known, mtimeMs: number, fs: ListingFs): SessionInfo {
    const entry: Json = { sessionId, label: known.label, updatedAt: known.lastMessage ?? mtimeMs };
    return sessionFromEntry({
      agent: this.agent,
      storeKey: `agent:${this.agent}:${sessionId}`,
      sessionId,
      entry,
      source: this.kind,
      location: path,
      watchDir: this.conversationsDir,
      lastWrite: () => mtimeMs,
      hasRegistry: false,
      open: () => new FileRead(this.root, path, fs),
      indexes: this.indexes,
    });
  }
}

/** How many conversations a listing looks at between turns of the event loop. */
const TURN_EVERY = 256;

function parse(line: string): Json | undefined {
  try {
    return asObject(JSON.parse(line));
  } catch {
    return undefined;
  }
}

function messageOf(line: Json): Json | undefined {
  return asObject(line.message) ?? (typeof line.role === "string" ? line : undefined);
}

function titleOf(head: string[]): string | undefined {
  const lines = head.map(parse).filter((l): l is Json => l !== undefined);
  const header = lines.find((l) => l.type === "session");
  const title = asString(header?.title)?.trim();
  if (title) return title;
  for (const line of lines) {
    const message = messageOf(line);
    if (message?.role !== "user") continue;
    const text = contentText(message.content).trim();
    if (text) return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  }
  return undefined;
}

function lastMessageTime(tailNewestFirst: string[]): number | undefined {
  for (const text of tailNewestFirst) {
    const line = parse(text);
    if (line && messageOf(line)) {
      const time = parseInstant(line.timestamp) ?? parseInstant(messageOf(line)?.timestamp);
      if (time !== undefined) return time;
    }
  }
  return undefined;
}

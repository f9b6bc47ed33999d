import { readdir } from "node:fs/promises";
import { join } from "node:path";
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

/**
 * A ClawJS workspace (STORES.md §2): `.clawjs/conversations/<sessionId>.jsonl`, no registry. The
 * workspace is one agent; a session's title is its header's, else its first user message; its
 * updatedAt is its last message's time.
 */
export class ClawJsSource implements SessionSource {
  readonly kind = "clawjs" as const;
  readonly conversationsDir: string;

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

  async list(): Promise<SessionListing> {
    const listing: SessionListing = { sessions: [], warnings: [] };
    const fs = new ListingFs();
    const names = (await readdir(this.conversationsDir).catch(() => [] as string[])).filter(
      (name) => name.endsWith(".jsonl") && isSafeFileName(name),
    );
    for (const name of names.sort()) {
      const path = join(this.conversationsDir, name);
      try {
        // confined to the workspace (the conversations dir itself may be a link), regular files only
        const read = new FileRead(this.root, path, fs);
        const real = read.realPath();
        if (!real) continue;
        listing.sessions.push(await this.session(path, real, name.slice(0, -".jsonl".length), fs));
      } catch (error) {
        listing.warnings.push(`clawjs ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return listing;
  }

  private async session(path: string, real: string, sessionId: string, fs: ListingFs): Promise<SessionInfo> {
    const [head, tail] = await Promise.all([headLines(real), tailLines(real)]);
    const mtimeMs = fs.stat(real)?.mtimeMs;
    const entry: Json = { sessionId, label: titleOf(head), updatedAt: lastMessageTime(tail) ?? mtimeMs };
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

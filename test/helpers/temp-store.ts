import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Line = Record<string, unknown> | string;

/** A throwaway OpenClaw state dir on real disk, written the way the gateway writes it. */
export class TempStateDir {
  readonly root: string;

  constructor(prefix = "session-events-") {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }

  sessionsDir(agent: string): string {
    const dir = join(this.root, "agents", agent, "sessions");
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Writes sessions.json for an agent (keyed by session key). */
  registry(agent: string, entries: Record<string, Record<string, unknown>>): void {
    writeFileSync(join(this.sessionsDir(agent), "sessions.json"), JSON.stringify(entries, null, 2));
  }

  /** Writes a transcript; objects become JSON lines, strings are written verbatim as a line. */
  transcript(agent: string, file: string, lines: Line[], options: { trailingNewline?: boolean } = {}): string {
    const path = join(this.sessionsDir(agent), file);
    writeFileSync(path, serialize(lines, options.trailingNewline ?? true));
    return path;
  }

  append(agent: string, file: string, lines: Line[], options: { trailingNewline?: boolean } = {}): void {
    appendFileSync(join(this.sessionsDir(agent), file), serialize(lines, options.trailingNewline ?? true));
  }

  /** Appends raw text (e.g. half a line, as a writer caught mid-append leaves it). */
  appendRaw(agent: string, file: string, text: string): void {
    appendFileSync(join(this.sessionsDir(agent), file), text);
  }

  file(relativePath: string, content: string): string {
    const path = join(this.root, relativePath);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function serialize(lines: Line[], trailingNewline: boolean): string {
  const text = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n");
  return trailingNewline && lines.length > 0 ? `${text}\n` : text;
}

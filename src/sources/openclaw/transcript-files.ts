import { isAbsolute, join, relative, sep } from "node:path";
import { isSafeFileName } from "../paths.js";
import { asString, type Json } from "../transcript/values.js";

/** Files in a sessions dir that are not transcripts (STORES.md §1a). */
export function isSkippedSessionFile(name: string): boolean {
  return (
    !name.endsWith(".jsonl") ||
    name.endsWith(".trajectory.jsonl") ||
    /\.checkpoint\.[^.]+\.jsonl$/.test(name) ||
    /\.jsonl\.reset\./.test(name) ||
    name.includes(".deleted.")
  );
}

const ARCHIVE = /^(.+)\.jsonl\.(reset|deleted)\.([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}(?:\.[0-9]+)?Z|[0-9]{9,11})$/;

/**
 * A reset or deleted transcript (`<id>.jsonl.reset.<ts>`, `<id>.jsonl.deleted.<ts>`, STORES.md §1a):
 * its session id, and when it was archived (`<ts>`: ISO with '-' for ':', or epoch seconds).
 */
export function archiveOfFile(name: string): { sessionId: string; reason: "reset" | "deleted"; archivedAt: number } | undefined {
  const match = ARCHIVE.exec(name);
  if (!match) return undefined;
  const [, sessionId, reason, ts] = match as unknown as [string, string, "reset" | "deleted", string];
  const archivedAt = /^[0-9]+$/.test(ts) ? Number(ts) * 1000 : Date.parse(ts.replace(/T(\d{2})-(\d{2})-(\d{2})/, "T$1:$2:$3"));
  return Number.isFinite(archivedAt) ? { sessionId, reason, archivedAt } : undefined;
}

/** The session id a transcript file name stands for (`<id>.jsonl`, `<id>-topic-<thread>.jsonl`). */
export function sessionIdOfFile(name: string): string {
  return name.slice(0, -".jsonl".length);
}

const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|\\\\)/;

/**
 * The transcript file of a registry entry, always inside `sessionsDir`: `sessionFile` when it is
 * relative and stays inside, or absolute and inside; else its file name (an absolute path from another
 * machine or an older layout); else `<sessionId>.jsonl` (also when sessionFile names a file that is not a
 * transcript, such as sessions.json). Undefined when no safe name can be made.
 */
export function transcriptPathOf(sessionsDir: string, entry: Json): string | undefined {
  const sessionFile = asString(entry.sessionFile)?.trim();
  // the usual case, a bare file name (a safe name has no separator): no splitting or normalizing, as
  // a registry lists thousands (sessionsDir is already normalized)
  if (sessionFile && isSafeFileName(sessionFile) && !isSkippedSessionFile(sessionFile)) return `${sessionsDir}${sep}${sessionFile}`;
  const name = sessionFile?.split(/[\\/]/).pop() ?? "";
  if (sessionFile && !isSkippedSessionFile(name)) {
    if (isAbsolute(sessionFile) && !WINDOWS_ABSOLUTE.test(sessionFile)) {
      const inside = relative(sessionsDir, sessionFile);
      if (inside && !inside.startsWith("..") && !isAbsolute(inside) && inside.split(sep).every(isSafeFileName)) {
        return join(sessionsDir, inside);
      }
    } else if (!WINDOWS_ABSOLUTE.test(sessionFile)) {
      const segments = sessionFile.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
      if (segments.length > 0 && segments.every(isSafeFileName)) return join(sessionsDir, ...segments);
    }
    if (isSafeFileName(name)) return join(sessionsDir, name);
  }
  const sessionId = asString(entry.sessionId);
  return sessionId && isSafeFileName(`${sessionId}.jsonl`) ? join(sessionsDir, `${sessionId}.jsonl`) : undefined;
}

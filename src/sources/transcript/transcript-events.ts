import type { ReadStats, SourceEvent, StoreKind } from "../session.js";
import { TranscriptNormalizer, type EventDraft } from "./normalize.js";

export type TranscriptIdentity = {
  agent: string;
  session: string;
  sessionId: string;
  source: StoreKind;
};

/** What the registry says about how a session ended (gives the closing `session_end`). */
export type RegistryEnd = { status?: string; endedAt?: number; updatedAt?: number; runtimeMs?: number };

/** One raw transcript line: text to parse, or already-parsed JSON (a database row). */
export type RawLine = { text: string; bytes: number; complete?: boolean; oversized?: boolean };

export function stampEvent(draft: EventDraft, identity: TranscriptIdentity): SourceEvent {
  const meta: SourceEvent["meta"] = { source: identity.source };
  if (draft.lineTimestamp !== undefined) meta.lineTimestamp = draft.lineTimestamp;
  return {
    id: `${identity.sessionId}:${draft.seq}`,
    seq: draft.seq,
    timestamp: draft.timestamp,
    agent: identity.agent,
    session: identity.session,
    sessionId: identity.sessionId,
    type: draft.type,
    payload: draft.payload,
    meta,
  };
}

/**
 * The events of a transcript, line by line: unreadable lines, lines of unknown kind and an unfinished
 * last line yield nothing and are counted in stats.skippedLines.
 */
export async function* transcriptEvents(
  lines: AsyncIterable<RawLine>,
  identity: TranscriptIdentity,
  registryEnd: RegistryEnd | undefined,
  stats: ReadStats,
): AsyncGenerator<SourceEvent> {
  const normalizer = new TranscriptNormalizer();
  for await (const line of lines) {
    stats.linesRead++;
    stats.bytesRead += line.bytes;
    const value = line.oversized ? undefined : parseLine(line.text);
    if (value === undefined) {
      stats.skippedLines++;
      continue;
    }
    const skippedBefore = normalizer.skipped;
    for (const draft of normalizer.line(value)) yield stampEvent(draft, identity);
    stats.skippedLines += normalizer.skipped - skippedBefore;
  }
  const end = registryEnd ? normalizer.sessionEnd(registryEnd) : undefined;
  if (end) yield stampEvent(end, identity);
}

function parseLine(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

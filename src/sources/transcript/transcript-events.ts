import type { ReadOptions, SourceEvent, StoreKind } from "../session.js";
import { TranscriptNormalizer, type EventDraft, type NormalizerState } from "./normalize.js";

export type TranscriptIdentity = {
  agent: string;
  session: string;
  sessionId: string;
  source: StoreKind;
};

/** What the registry says about how a session ended (gives the closing `session_end`). */
export type RegistryEnd = { status?: string; endedAt?: number; updatedAt?: number; runtimeMs?: number };

/** One raw transcript line (a file line or a database row's JSON text). */
export type RawLine = {
  text: string;
  bytes: number;
  /** Where the line starts and where the next one does: byte offsets in a file, row seqs in a database. */
  at?: number;
  next?: number;
  /** false for a file's last line that has no newline yet. */
  complete?: boolean;
  oversized?: boolean;
  /** For an incomplete last line: the file was modified moments ago (a write may be under way). */
  writtenRecently?: boolean;
  /** The read stopped here, out of its scan budget: not a line, and not the transcript's end. */
  stopped?: boolean;
};

/** A half line whose own timestamp is this old, or whose session was idle this long, is a leftover. */
const LIVE_LINE_MS = 60_000;
const IDLE_SESSION_MS = 3_600_000;

/**
 * Whether an unfinished last line is a write still under way (its events will follow) rather than a
 * crash's leftover. pi puts the timestamp near the start of a line, so it is usually readable: then
 * it decides. Otherwise the file must have been modified just now after recent activity.
 */
function isWriteUnderWay(line: RawLine, lastTimestamp: number, now: number): boolean {
  if (line.complete !== false || line.oversized) return false;
  const at = partialLineTime(line.text);
  if (at !== undefined) return now - at <= LIVE_LINE_MS;
  return line.writtenRecently === true && now - lastTimestamp <= IDLE_SESSION_MS;
}

export function stampEvent(draft: EventDraft, identity: TranscriptIdentity): SourceEvent {
  return {
    id: `${identity.sessionId}:${draft.seq}`,
    seq: draft.seq,
    timestamp: draft.timestamp,
    orderTs: draft.orderTs,
    agent: identity.agent,
    session: identity.session,
    sessionId: identity.sessionId,
    type: draft.type,
    payload: draft.payload,
    meta: { source: identity.source },
  };
}

/**
 * The events of a transcript, line by line: unreadable lines, lines of unknown kind and a last line
 * still being written (not yet whole JSON) yield nothing and are counted in stats.skippedLines. A last
 * line that is whole JSON but lacks its newline is read: a JSON object cannot parse while cut short.
 */
export async function* transcriptEvents(
  lines: AsyncIterable<RawLine> | Iterable<RawLine>,
  identity: TranscriptIdentity,
  registryEnd: RegistryEnd | undefined,
  options: LineOptions,
  /** Whether the transcript has grown past what `lines` read (checked only if the read got to the end). */
  grown: () => boolean = () => false,
): AsyncGenerator<SourceEvent> {
  const processor = new LineProcessor(identity, options);
  for await (const line of lines) yield* processor.line(line);
  yield* processor.finish(registryEnd, grown);
}

export type LineOptions = Pick<ReadOptions, "stats" | "pending" | "reachedEnd" | "skippedLine">;

/** Turns raw lines into stamped events, counting and reporting what it skips. Holds the normalizer. */
export class LineProcessor {
  readonly normalizer: TranscriptNormalizer;
  /** Lines this processor found nothing in. */
  skippedLines = 0;
  private pending = false;
  /** The read stopped short, out of its scan budget: what follows was not read (no end is reported). */
  stopped = false;

  constructor(
    private readonly identity: TranscriptIdentity,
    private readonly options: LineOptions,
    state?: NormalizerState,
  ) {
    this.normalizer = new TranscriptNormalizer(state);
  }

  /** The events of one line; a line that yields none is reported as skipped. */
  line(line: RawLine): SourceEvent[] {
    const { stats } = this.options;
    const normalizer = this.normalizer;
    stats.bytesRead += line.bytes;
    if (line.stopped) {
      this.stopped = true;
      return [];
    }
    stats.linesRead++;
    const value = line.oversized ? undefined : parseLine(line.text);
    if (value === undefined) {
      this.skipped();
      if (isWriteUnderWay(line, normalizer.lastTimestamp, Date.now())) {
        this.pending = true;
        this.options.pending?.(Math.max(normalizer.lastTimestamp, partialLineTime(line.text) ?? 0), normalizer.eventCount + 1);
      }
      return [];
    }
    const skippedBefore = normalizer.skipped;
    const drafts = normalizer.line(value);
    if (normalizer.skipped > skippedBefore) this.skipped();
    const model = normalizer.currentModel;
    const detail = normalizer.lastDetail;
    return drafts.map((draft) => {
      const event = stampEvent(draft, this.identity);
      if (model !== undefined) event.model = model;
      if (detail !== undefined) event.detail = detail;
      return event;
    });
  }

  /** After the last line: the registry's session_end (unless a line is still being written), and the end report. */
  finish(registryEnd: RegistryEnd | undefined, grown: () => boolean): SourceEvent[] {
    if (this.stopped) return [];
    const normalizer = this.normalizer;
    // while a line is still being written the session has not really ended: its end comes after that line
    const end = registryEnd && !this.pending ? normalizer.sessionEnd(registryEnd) : undefined;
    this.options.reachedEnd?.({ lastTimestamp: normalizer.lastTimestamp, nextSeq: normalizer.eventCount + 1, grown });
    return end ? [stampEvent(end, this.identity)] : [];
  }

  private skipped(): void {
    this.skippedLines++;
    this.options.stats.skippedLines++;
    this.options.skippedLine?.(this.normalizer.lastTimestamp, this.normalizer.eventCount);
  }
}

/** The time a half-written line will carry, when its timestamp field is already there (pi writes it early). */
function partialLineTime(text: string): number | undefined {
  const match = /"timestamp"\s*:\s*(?:"([^"]{10,40})"|(\d{10,16})[,}])/.exec(text.slice(0, 4096));
  if (!match) return undefined;
  const value = match[1] !== undefined ? Date.parse(match[1]) : Number(match[2]);
  return Number.isFinite(value) ? value : undefined;
}

function parseLine(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

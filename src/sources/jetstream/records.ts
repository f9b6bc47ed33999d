/** What the bridge keeps in KV beside the stream (STORES.md §3a), shared by the bridge and the source. */

/** The registry entry of one session: KV bucket openclaw-sessions, key `<gateway>.<sessionId>`. */
export type RegistryRecord = {
  key: string;
  sessionId: string;
  agent: string;
  spawnedBy?: string;
  status?: string;
  label?: string;
  updatedAt?: number;
  gateway: string;
  /** The stream the bridge publishes this session's events into. */
  stream?: string;
  generation?: "current" | "earlier";
  startedAt?: number;
  endedAt?: number;
  runtimeMs?: number;
  displayName?: string;
  channel?: string;
  model?: string;
};

/**
 * How far the bridge has published one transcript, written only after the stream acknowledged:
 * `seq`, the last event read (published or held back by clearance); where its events sit in the stream
 * (for readers: a query starts at `firstStreamSeq`, never at sequence 1) and the times they span.
 */
export type Checkpoint = {
  seq: number;
  published: number;
  firstStreamSeq?: number;
  lastStreamSeq?: number;
  firstTimestamp?: number;
  lastTimestamp?: number;
  /**
   * Every MARK_EVERY-th published event: [its seq, its stream sequence, the latest time of any event
   * published before it (or null)]. A reader starts at the mark before a cursor or before a window's
   * start, and reads a tail backward a stretch between marks at a time.
   */
  marks?: Array<Mark>;
};

export const MARK_EVERY = 1000;
export type Mark = [seq: number, streamSeq: number, latestBefore: number | null];

/** Per gateway: every message of this gateway at or before this stream sequence is under a checkpoint. */
export type Watermark = { streamSeq: number };

/**
 * A message's JSON (undefined: empty or not JSON). Decoded as a Buffer view (TextDecoder takes about
 * twice as long on a message of a few hundred bytes), less a byte order mark, which TextDecoder drops.
 */
export function parseJson<T>(bytes: Uint8Array | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.length - bom).toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

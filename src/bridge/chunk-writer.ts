import { headers } from "@nats-io/transport-node";

/**
 * Consecutive messages of one transcript as the NATS protocol frames that publish them (HPUB: subject,
 * reply subject, the Nats-Msg-Id header, the event), back to back in one buffer: the bridge's thread
 * writes a chunk to the socket in one go (a worker hands the buffer over without copying it). Every
 * event of the transcript up to `readThrough` is in this chunk, an earlier one, or not to be published.
 */
export type EncodedChunk = {
  sessionId: string;
  readThrough: number;
  /** The frames, and in them each message's data: from `dataStarts[i]` to `ends[i]`. */
  bytes: Uint8Array;
  dataStarts: number[];
  ends: number[];
  seqs: number[];
  timestamps: number[];
  /** Message i's acknowledgement comes to `${replyPrefix}${i}` (unique to this chunk). */
  replyPrefix: string;
  /** Events of this chunk cut to fit the server's max_payload (meta.cutToFit), and the first one's id. */
  cut?: { count: number; firstId: string };
};

const CRLF = "\r\n";
// (a chunk of 256 events of the bench store's ~1.8 KB is ~500 KB: room for it without growing)
const INITIAL_CHUNK_BYTES = 640 * 1024;

/** The headers block of a message with this msgID, as nats.js encodes it (`headers().set("Nats-Msg-Id", id)`). */
export function msgIdHeader(id: string): string {
  // (the client trims a value and refuses a line break in it: such an id goes through the client itself)
  if (id.length > 0 && id === id.trim() && !id.includes("\n") && !id.includes("\r")) return `NATS/1.0\r\nNats-Msg-Id: ${id}\r\n\r\n`;
  const h = headers();
  h.set("Nats-Msg-Id", id);
  return h.toString();
}

/** Reply subjects unique to each chunk of one encoder (a worker, or the bridge's thread): `<inbox>.<tag>c<n>.`. */
export class ReplyNames {
  private next = 0;

  constructor(
    private readonly inbox: string,
    private readonly tag: string,
  ) {}

  chunk(): string {
    return `${this.inbox}.${this.tag}c${this.next++}.`;
  }
}

const decoder = new TextDecoder();

/**
 * Message i's subject and msgID, read back from its frame (needed only to send it again through the
 * client, or to name it: not handed over with every chunk).
 */
export function messageOf(chunk: EncodedChunk, i: number): { subject: string; id: string } {
  const start = i === 0 ? 0 : chunk.ends[i - 1]! + CRLF.length;
  const head = decoder.decode(chunk.bytes.subarray(start, chunk.dataStarts[i]));
  const subject = head.slice("HPUB ".length, head.indexOf(" ", "HPUB ".length));
  const at = head.indexOf("\r\nNats-Msg-Id: ") + "\r\nNats-Msg-Id: ".length;
  return { subject, id: head.slice(at, head.indexOf("\r\n", at)) };
}

/** A buffer of its own (transferable to the bridge's thread), left unfilled: every byte handed over is written first. */
function chunkBuffer(bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes);
}

export class ChunkWriter {
  readonly ends: number[] = [];
  private readonly dataStarts: number[] = [];
  private readonly seqs: number[] = [];
  private readonly timestamps: number[] = [];
  private buffer = chunkBuffer(INITIAL_CHUNK_BYTES);
  private length = 0;
  private dataLength = 0;
  private cut?: { count: number; firstId: string };

  constructor(
    private readonly sessionId: string,
    public readThrough: number,
    private readonly replyPrefix: string,
  ) {}

  /** The messages' data, without the frames around it. */
  get dataBytes(): number {
    return this.dataLength;
  }

  /** `json` is the whole event; `cutToFit` gives it smaller for a message too large for the server (not encoding it whole again). */
  add(id: string, subject: string, seq: number, timestamp: number, json: string, cutToFit: () => Buffer, maxBytes: number): void {
    let cutData: Buffer | undefined;
    // (more UTF-16 units than the limit is more bytes too: such an event is cut without being measured first)
    let dataLength = json.length <= maxBytes ? Buffer.byteLength(json, "utf8") : maxBytes + 1;
    if (dataLength > maxBytes) {
      cutData = cutToFit();
      dataLength = cutData.length;
      this.cut = this.cut ? { count: this.cut.count + 1, firstId: this.cut.firstId } : { count: 1, firstId: id };
    }
    const header = msgIdHeader(id);
    const headerLength = Buffer.byteLength(header);
    const line = `HPUB ${subject} ${this.replyPrefix}${this.ends.length} ${headerLength} ${headerLength + dataLength}${CRLF}`;
    this.room(line.length * 3 + headerLength + dataLength + CRLF.length);
    this.length += this.buffer.write(line, this.length, "utf8");
    this.length += this.buffer.write(header, this.length, "utf8");
    this.dataStarts.push(this.length);
    // (the data straight into the frame: its length, in the line before it, was measured without encoding it)
    this.length += cutData ? cutData.copy(this.buffer, this.length) : this.buffer.write(json, this.length, "utf8");
    this.ends.push(this.length);
    this.dataLength += dataLength;
    this.length += this.buffer.write(CRLF, this.length, "latin1");
    this.seqs.push(seq);
    this.timestamps.push(timestamp);
  }

  done(): EncodedChunk {
    const { sessionId, readThrough, dataStarts, ends, seqs, timestamps, replyPrefix, cut } = this;
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.length);
    return { sessionId, readThrough, bytes, dataStarts, ends, seqs, timestamps, replyPrefix, ...(cut ? { cut } : {}) };
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = chunkBuffer(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

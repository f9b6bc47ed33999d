import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { messageOf, type EncodedChunk } from "./chunk-writer.js";
import { parseStreamAck, type StreamAck } from "./stream-ack.js";
import { frameWriterOf, type FrameWriter } from "./frame-writer.js";

export type { StreamAck } from "./stream-ack.js";

/** A chunk with acks outstanding: when each message was last sent (ACKED once the stream holds it). */
type InFlight = { chunk: EncodedChunk; sentAt: Float64Array; left: number; onAck(index: number, ack: StreamAck): void };

const ACKED = -1;

/** How long an ack may take before the message is sent again (JetStream drops the repeat by its msgID). */
const RESEND_AFTER_MS = 4000;

/**
 * Asynchronous JetStream publishing with a bounded number of acks outstanding: each message is sent
 * with a reply subject under one inbox (no request per message), and sent again, under the same msgID,
 * until the stream acknowledges it, through errors, lost acks and reconnects alike. A chunk's messages
 * go out as the frames the worker built, in one write (frame-writer.ts), or one by one through the
 * client where that cannot be done; a message sent again always goes through the client.
 */
export class AckWindow {
  readonly inbox = createInbox();
  private readonly inFlight = new Map<string, InFlight>();
  private outstanding = 0;
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly frames: FrameWriter | undefined;
  private roomWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];

  /** `writeFrames`: false to send every message through the client's publish (as when the frames cannot be written). */
  constructor(
    private readonly nc: NatsConnection,
    private readonly maxOutstanding: number,
    private readonly onTrouble: (text: string) => void = () => undefined,
    writeFrames = true,
  ) {
    this.subscription = nc.subscribe(`${this.inbox}.>`, { callback: (_error, msg) => this.acked(msg) });
    this.sweeper = setInterval(() => this.resendLate(), 1000);
    this.sweeper.unref();
    this.frames = writeFrames ? frameWriterOf(nc, onTrouble) : undefined;
  }

  get size(): number {
    return this.outstanding;
  }

  /** Resolves once fewer than the maximum of acks are outstanding. */
  async room(): Promise<void> {
    while (this.outstanding >= this.maxOutstanding) await new Promise<void>((wake) => this.roomWaiters.push(wake));
  }

  /** Resolves once no ack is outstanding. */
  async drained(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((wake) => this.drainWaiters.push(wake));
  }

  /**
   * Sends a chunk's messages at once (the caller keeps to the window by awaiting room() between chunks);
   * `onAck` is called for each once the stream holds it (possibly from an earlier send of the same msgID).
   */
  publish(chunk: EncodedChunk, onAck: (index: number, ack: StreamAck) => void): void {
    const count = chunk.ends.length;
    if (count === 0) return;
    if (this.inFlight.has(chunk.replyPrefix)) throw new Error(`two chunks with the reply subjects ${chunk.replyPrefix}*`);
    const entry: InFlight = { chunk, sentAt: new Float64Array(count).fill(Date.now()), left: count, onAck };
    this.inFlight.set(chunk.replyPrefix, entry);
    this.outstanding += count;
    if (this.frames && !this.nc.isClosed() && !this.nc.isDraining()) {
      try {
        this.frames.write(chunk.bytes);
        return;
      } catch (error) {
        this.onTrouble(`writing a chunk's frames failed (${error instanceof Error ? error.message : String(error)}); publishing its messages one by one`);
      }
    }
    for (let i = 0; i < count; i++) this.send(entry, i);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
  }

  /** Message `i` of the chunk, through the client: the same bytes on the wire as its frame. */
  private send(entry: InFlight, i: number): void {
    const { chunk } = entry;
    entry.sentAt[i] = Date.now();
    const { subject, id } = messageOf(chunk, i);
    const h = headers();
    h.set("Nats-Msg-Id", id);
    try {
      this.nc.publish(subject, chunk.bytes.subarray(chunk.dataStarts[i], chunk.ends[i]), { reply: `${chunk.replyPrefix}${i}`, headers: h });
    } catch (error) {
      // closed or draining: the sweeper tries again
      this.onTrouble(`publish failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private acked(msg: Msg): void {
    const subject = msg.subject;
    const dot = subject.lastIndexOf(".");
    const entry = this.inFlight.get(subject.slice(0, dot + 1));
    const i = Number(subject.slice(dot + 1));
    if (!entry || !(i >= 0 && i < entry.sentAt.length) || entry.sentAt[i] === ACKED) return;
    const ack = parseStreamAck(msg.data);
    if ("trouble" in ack) {
      // no stream answered (503), or it refused: send again after a pause
      const why = ack.trouble ?? (msg.headers?.code ? `status ${msg.headers.code}` : "no ack");
      this.onTrouble(`stream did not take ${messageOf(entry.chunk, i).id} (${why}); retrying`);
      entry.sentAt[i] = Date.now() - RESEND_AFTER_MS + 500;
      return;
    }
    entry.sentAt[i] = ACKED;
    if (--entry.left === 0) this.inFlight.delete(entry.chunk.replyPrefix);
    this.outstanding--;
    entry.onAck(i, ack);
    // (the sender is woken with room for a good chunk, not once per ack)
    if (this.outstanding <= (this.maxOutstanding * 3) / 4) wakeAll(this.roomWaiters);
    if (this.outstanding === 0) wakeAll(this.drainWaiters);
  }

  private resendLate(): void {
    if (this.nc.isClosed()) return;
    const due = Date.now() - RESEND_AFTER_MS;
    for (const entry of this.inFlight.values()) {
      for (let i = 0; i < entry.sentAt.length; i++) if (entry.sentAt[i] !== ACKED && entry.sentAt[i]! <= due) this.send(entry, i);
    }
  }
}

function wakeAll(waiters: Array<() => void>): void {
  for (const wake of waiters.splice(0)) wake();
}

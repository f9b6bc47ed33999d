import { AckedEvents, type BatchOfTranscript, type Checkpoints } from "./checkpoints.js";
import type { EncodedChunk } from "./chunk-writer.js";
import type { StreamAck } from "./stream-ack.js";

export type OnAck = (index: number, ack: StreamAck) => void;

/** Sent batches waiting for their acks or their checkpoint before the sender waits for the oldest. */
const CLOSED_AHEAD = 2;

/** Events published together and put under one checkpoint. */
class Batch {
  readonly transcripts = new Map<string, BatchOfTranscript>();
  events = 0;
  /**
   * The highest stream seq acknowledged (to any batch) before this batch's first message went out: every
   * message of it is stored above it, whenever it is stored.
   */
  floor: number | undefined;
  readonly acked: Promise<void>;
  /** Set when closed: resolves once its checkpoint is written. */
  committed: Promise<void> | undefined;
  private unacked = 0;
  private closed = false;
  private allAcked!: () => void;

  constructor() {
    this.acked = new Promise<void>((resolve) => (this.allAcked = resolve));
  }

  expect(count: number): void {
    this.unacked += count;
  }

  ackedOne(): void {
    if (--this.unacked === 0 && this.closed) this.allAcked();
  }

  close(): void {
    this.closed = true;
    if (this.unacked === 0) this.allAcked();
  }
}

/**
 * Checkpoints per batch without stopping to publish: the next batch goes out while the last one waits
 * for its acks; batches are committed strictly in order, each once every message of it is acknowledged.
 * The watermark stays below every message of a batch not yet committed: it moves at most to the floor
 * of the oldest batch still open (see Batch.floor), so a restart reads such messages back (recover).
 */
export class CheckpointPipeline {
  private open = new Batch();
  /** Closed batches, oldest first; each leaves once committed. */
  private readonly closed: Batch[] = [];
  private committing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private highestAcked = 0;

  constructor(private readonly checkpoints: Checkpoints) {}

  /** Events in the batch being sent. */
  get openEvents(): number {
    return this.open.events;
  }

  /**
   * Puts a chunk into the open batch and sends it with `publish`, which gets what records each ack; the
   * transcript counts as read through the chunk only once it is handed over.
   */
  send(chunk: EncodedChunk, publish: (onAck: OnAck) => void): void {
    const batch = this.open;
    let done = batch.transcripts.get(chunk.sessionId);
    if (!done) batch.transcripts.set(chunk.sessionId, (done = { readThrough: 0, acks: new AckedEvents() }));
    const count = chunk.ends.length;
    if (count > 0) {
      batch.floor ??= this.highestAcked;
      batch.expect(count);
      const target = done.acks;
      const { timestamps, seqs } = chunk;
      publish((i, ack) => {
        target.add(ack.seq, timestamps[i]!, seqs[i]!);
        if (ack.seq > this.highestAcked) this.highestAcked = ack.seq;
        batch.ackedOne();
      });
    }
    done.readThrough = Math.max(done.readThrough, chunk.readThrough);
    batch.events += count;
  }

  /**
   * Ends the open batch: its checkpoint is written once all its messages are acknowledged, after the
   * batches before it. Waits only when more batches than CLOSED_AHEAD are still to be committed.
   */
  async close(): Promise<void> {
    const batch = this.open;
    this.open = new Batch();
    batch.close();
    this.closed.push(batch);
    this.committing = batch.committed = this.committing.then(async () => {
      await batch.acked;
      // (the batch after this one, closed or still open, sets how far the watermark may go)
      const next = this.closed[1] ?? this.open;
      await this.checkpoints.commit(batch.transcripts, next.floor ?? Number.POSITIVE_INFINITY);
      this.closed.shift();
    });
    this.committing.catch((error: unknown) => (this.failure ??= error));
    while (this.closed.length > CLOSED_AHEAD && this.failure === undefined) await this.closed[0]!.committed!.catch(() => undefined);
    this.throwIfFailed();
  }

  /** Resolves once every closed batch is committed. */
  async settled(): Promise<void> {
    await this.committing.catch(() => undefined);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

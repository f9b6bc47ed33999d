import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { kvSafe, registryKey } from "../sources/jetstream/names.js";
import { MARK_EVERY, parseJson, type Mark, type Checkpoint, type Watermark } from "../sources/jetstream/records.js";
import { readStream } from "../sources/jetstream/stream-reader.js";
import type { PublishedEvent } from "./event-record.js";
import { allUntilDone, untilDone } from "./retry.js";

/** What a batch did in one transcript: read through this seq; these events acknowledged. */
export type BatchOfTranscript = { readThrough: number; acks: AckedEvents };

/**
 * Events the stream acknowledged, as columns of numbers rather than an object each: a batch holds
 * thousands until its checkpoint, long enough for objects to be promoted and make the bridge's thread
 * collect its old generation again and again.
 */
export class AckedEvents {
  private readonly streamSeqs: number[] = [];
  private readonly timestamps: number[] = [];
  private readonly seqs: number[] = [];

  get length(): number {
    return this.seqs.length;
  }

  add(streamSeq: number, timestamp: number, seq: number): void {
    this.streamSeqs.push(streamSeq);
    this.timestamps.push(timestamp);
    this.seqs.push(seq);
  }

  /** Each event, by its seq in the transcript. */
  forEachInOrder(each: (streamSeq: number, timestamp: number, seq: number) => void): void {
    const { streamSeqs, timestamps, seqs } = this;
    let ordered = true;
    for (let i = 1; i < seqs.length && ordered; i++) ordered = seqs[i - 1]! <= seqs[i]!;
    const order = Array.from(seqs.keys());
    if (!ordered) order.sort((a, b) => seqs[a]! - seqs[b]!);
    for (const i of order) each(streamSeqs[i]!, timestamps[i]!, seqs[i]!);
  }
}

/**
 * The bridge's durable progress (CHECKPOINT_BUCKET): per transcript, the last event read; per gateway,
 * the stream sequence up to which every message it published is under a checkpoint. Written only after
 * the stream acknowledged, transcripts first and the watermark last, so a crash leaves the watermark
 * behind (never ahead of) the checkpoints.
 */
export class Checkpoints {
  private readonly byTranscript = new Map<string, Checkpoint>();
  private watermark = 0;
  /** The highest stream seq of the messages committed so far. */
  private committedThrough = 0;

  private constructor(
    private readonly kv: KV,
    private readonly gateway: string,
    private readonly say: (text: string) => void,
  ) {}

  static async load(kv: KV, gateway: string, say: (text: string) => void): Promise<Checkpoints> {
    const checkpoints = new Checkpoints(kv, gateway, say);
    const prefix = `${kvSafe(gateway)}.`;
    for await (const key of await kv.keys(`${prefix}>`)) {
      const value = parseJson<Checkpoint>((await kv.get(key))?.value);
      if (value) checkpoints.byTranscript.set(key, value);
    }
    checkpoints.watermark = parseJson<Watermark>((await kv.get(kvSafe(gateway)))?.value)?.streamSeq ?? -1;
    return checkpoints;
  }

  of(sessionId: string): Checkpoint | undefined {
    return this.byTranscript.get(registryKey(this.gateway, sessionId));
  }

  /**
   * Takes in what the stream holds past the watermark from this gateway: published, acknowledged, but
   * not yet under a checkpoint when the bridge last stopped (or crashed). Those are not published again,
   * however long ago that was (JetStream's duplicate window alone would not cover a late restart).
   */
  async recover(js: JetStreamClient, stream: string, prefix: string, lastStreamSeq: number): Promise<number> {
    if (this.watermark < 0) {
      // first start of this gateway: nothing of it can be in the stream yet
      this.watermark = lastStreamSeq;
      await this.writeWatermark();
      return 0;
    }
    let found = 0;
    const touched = new Set<string>();
    if (lastStreamSeq > this.watermark) {
      await readStream(js, stream, { filter: `${prefix}.>`, fromSeq: this.watermark + 1, toSeq: lastStreamSeq }, (msg) => {
        const event = parseJson<PublishedEvent>(msg.data);
        if (!event || event.meta?.gateway !== this.gateway || typeof event.seq !== "number" || typeof event.sessionId !== "string") return;
        const key = registryKey(this.gateway, event.sessionId);
        const checkpoint = { ...(this.byTranscript.get(key) ?? { seq: 0, published: 0 }) };
        if (event.seq <= checkpoint.seq) return;
        advance(checkpoint, event.seq, msg.seq, event.timestamp, event.seq);
        this.byTranscript.set(key, checkpoint);
        touched.add(key);
        found++;
      });
    }
    await this.putAll([...touched].map((key) => [key, JSON.stringify(this.byTranscript.get(key))]));
    this.watermark = lastStreamSeq;
    await this.writeWatermark();
    return found;
  }

  /**
   * Records what a batch did (after every message of it was acknowledged): one KV write per transcript
   * that moved, several in flight, then the watermark, at most `watermarkAtMost` (below any message of a
   * later batch not yet committed).
   */
  async commit(batch: ReadonlyMap<string, BatchOfTranscript>, watermarkAtMost = Number.POSITIVE_INFINITY): Promise<void> {
    const puts: Array<[key: string, value: string]> = [];
    for (const [sessionId, done] of batch) {
      const key = registryKey(this.gateway, sessionId);
      const checkpoint = { ...(this.byTranscript.get(key) ?? { seq: 0, published: 0 }) };
      if (done.acks.length === 0 && done.readThrough <= checkpoint.seq) continue;
      done.acks.forEachInOrder((streamSeq, timestamp, seq) => {
        advance(checkpoint, checkpoint.seq, streamSeq, timestamp, seq);
        this.committedThrough = Math.max(this.committedThrough, streamSeq);
      });
      checkpoint.seq = Math.max(checkpoint.seq, done.readThrough);
      this.byTranscript.set(key, checkpoint);
      puts.push([key, JSON.stringify(checkpoint)]);
    }
    // (a transcript's checkpoints are written batch after batch; within a batch each key once)
    await this.putAll(puts);
    const watermark = Math.min(this.committedThrough, watermarkAtMost);
    if (watermark > this.watermark) {
      this.watermark = watermark;
      await this.writeWatermark();
    }
  }

  private async writeWatermark(): Promise<void> {
    await this.put(kvSafe(this.gateway), JSON.stringify({ streamSeq: this.watermark } satisfies Watermark));
  }

  /** Checkpoints of different transcripts: several writes in flight. */
  private async putAll(puts: ReadonlyArray<readonly [key: string, value: string]>): Promise<void> {
    await allUntilDone("writing a checkpoint", puts, ([key, value]) => this.kv.put(key, value), this.say);
  }

  private async put(key: string, value: string): Promise<void> {
    await untilDone("writing a checkpoint", () => this.kv.put(key, value), this.say);
  }
}

/** Takes one more published event into a checkpoint (in place: a batch takes thousands). */
function advance(checkpoint: Checkpoint, seq: number, streamSeq: number, timestamp: number, eventSeq?: number): void {
  if (eventSeq !== undefined && checkpoint.published % MARK_EVERY === 0) {
    checkpoint.marks = [...(checkpoint.marks ?? []), [eventSeq, streamSeq, checkpoint.lastTimestamp ?? null]];
  }
  checkpoint.seq = Math.max(checkpoint.seq, seq);
  checkpoint.published++;
  checkpoint.firstStreamSeq = Math.min(checkpoint.firstStreamSeq ?? streamSeq, streamSeq);
  checkpoint.lastStreamSeq = Math.max(checkpoint.lastStreamSeq ?? streamSeq, streamSeq);
  checkpoint.firstTimestamp = Math.min(checkpoint.firstTimestamp ?? timestamp, timestamp);
  checkpoint.lastTimestamp = Math.max(checkpoint.lastTimestamp ?? timestamp, timestamp);
}

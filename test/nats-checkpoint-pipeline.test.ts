/**
 * The bridge's checkpoints while it keeps publishing (src/bridge/checkpoint-pipeline.ts), against a real
 * KV bucket: a batch is committed once every message of it is acknowledged, batches strictly in order
 * (a later batch fully acknowledged waits for the one before), and the watermark never passes a message
 * of a batch not yet committed, even one stored below the last batch's highest (a resend stored late).
 */
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointPipeline, type OnAck } from "../src/bridge/checkpoint-pipeline.js";
import { Checkpoints } from "../src/bridge/checkpoints.js";
import type { EncodedChunk } from "../src/bridge/chunk-writer.js";
import { CHECKPOINT_BUCKET } from "../src/sources/jetstream/names.js";
import { NatsServer } from "./helpers/nats-server.js";

let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url.replace(/^nats:\/\//, "") });
}, 30_000);

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** The real bucket, with every write it is given recorded in order (key, value). */
async function recordingBucket(gateway: string): Promise<{ kv: KV; writes: Array<[string, string]> }> {
  const kv = await new Kvm(nc).create(`${CHECKPOINT_BUCKET}-${gateway}`, { history: 1 });
  const writes: Array<[string, string]> = [];
  const recording = new Proxy(kv, {
    get(target, name, receiver) {
      if (name !== "put") return Reflect.get(target, name, receiver) as unknown;
      return async (key: string, value: string) => {
        const revision = await target.put(key, value);
        writes.push([key, value]);
        return revision;
      };
    },
  });
  return { kv: recording, writes };
}

/** A chunk of one transcript's events with these seqs (only what the pipeline reads of a chunk). */
function chunkOf(sessionId: string, seqs: number[]): EncodedChunk {
  const ends = seqs.map((_, i) => i + 1);
  return { sessionId, readThrough: Math.max(...seqs), bytes: new Uint8Array(), dataStarts: ends, ends, seqs, timestamps: seqs.map((seq) => 1000 + seq), replyPrefix: `r.${sessionId}.` };
}

async function started(gateway: string) {
  const { kv, writes } = await recordingBucket(gateway);
  const checkpoints = await Checkpoints.load(kv, gateway, () => undefined);
  // (a gateway's first start: the watermark is the stream's last seq, here none)
  await checkpoints.recover(jetstream(nc), "none", "none", 0);
  writes.length = 0;
  return { pipeline: new CheckpointPipeline(checkpoints), checkpoints, writes };
}

function sendChunk(pipeline: CheckpointPipeline, chunk: EncodedChunk): OnAck {
  let onAck: OnAck | undefined;
  pipeline.send(chunk, (given) => (onAck = given));
  return onAck!;
}

const watermarks = (writes: Array<[string, string]>, gateway: string) => writes.filter(([key]) => key === gateway).map(([, value]) => (JSON.parse(value) as { streamSeq: number }).streamSeq);

describe("the bridge's checkpoint pipeline", () => {
  it("commits a batch once its own acks are in, in order, and keeps the watermark under the next batch", async () => {
    const { pipeline, checkpoints, writes } = await started("gw1");
    const first = sendChunk(pipeline, chunkOf("s1", [1, 2]));
    first(0, { seq: 1, duplicate: false });
    await pipeline.close();
    // the next batch goes out before the first is acknowledged whole: its message is stored at 2
    const second = sendChunk(pipeline, chunkOf("s2", [1]));
    second(0, { seq: 2, duplicate: false });
    await pipeline.close();
    expect(writes).toEqual([]);
    // the first batch's last message, sent again, is stored after the second batch's
    first(1, { seq: 3, duplicate: false });
    await pipeline.settled();
    expect(writes.map(([key]) => key)).toEqual(["gw1.s1", "gw1", "gw1.s2", "gw1"]);
    // after the first batch: not 3, which would put the second batch's message (2) under the watermark unchecked
    expect(watermarks(writes, "gw1")).toEqual([1, 3]);
    expect(checkpoints.of("s1")).toMatchObject({ seq: 2, published: 2, firstStreamSeq: 1, lastStreamSeq: 3 });
    expect(checkpoints.of("s2")).toMatchObject({ seq: 1, published: 1, firstStreamSeq: 2, lastStreamSeq: 2 });
  });

  it("moves the watermark to the batch's highest when nothing after it was sent yet", async () => {
    const { pipeline, writes } = await started("gw2");
    const only = sendChunk(pipeline, chunkOf("s1", [1, 2, 3]));
    [5, 6, 7].forEach((seq, i) => only(i, { seq, duplicate: false }));
    await pipeline.close();
    await pipeline.settled();
    expect(watermarks(writes, "gw2")).toEqual([7]);
  });

  it("takes a chunk with no message as read through, without waiting for any ack", async () => {
    const { pipeline, checkpoints } = await started("gw3");
    pipeline.send({ ...chunkOf("s1", [1]), ends: [], dataStarts: [], seqs: [], timestamps: [], readThrough: 9 }, () => {
      throw new Error("nothing to publish");
    });
    await pipeline.close();
    await pipeline.settled();
    expect(checkpoints.of("s1")).toMatchObject({ seq: 9, published: 0 });
  });
});

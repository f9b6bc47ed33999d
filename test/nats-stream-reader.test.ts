/**
 * The stream reader's pulls (src/sources/jetstream/pull.ts) against a real nats-server: every message of
 * a range once, in order, with its stream sequence; a read ended early; a range the server holds
 * fewer messages of than it counted; and the failures a read must report rather than wait out.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullMessages, streamSeqOf } from "../src/sources/jetstream/pull.js";
import { readStream, type StreamMessage } from "../src/sources/jetstream/stream-reader.js";
import { NatsServer } from "./helpers/nats-server.js";

const STREAM = "reads";
const COUNT = 2500;
let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
/** Stream sequence -> [subject, body] as published. */
const published = new Map<number, [string, string]>();

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: `127.0.0.1:${nats.port}` });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ["r.>"] });
  const js = jetstream(nc);
  for (let i = 0; i < COUNT; i++) {
    const subject = i % 3 === 0 ? "r.b.x" : "r.a.x";
    const body = JSON.stringify({ i, text: `message ${i} ✓` });
    const h = headers();
    h.set("Nats-Msg-Id", `id-${i}`);
    const ack = await js.publish(subject, body, { headers: h });
    published.set(ack.seq, [subject, body]);
  }
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

type Seen = { seq: number; subject: string; body: string; msgId?: string };

async function read(range: Parameters<typeof readStream>[2], stopAfter = Infinity): Promise<Seen[]> {
  const seen: Seen[] = [];
  await readStream(jetstream(nc), STREAM, range, (msg: StreamMessage) => {
    seen.push({ seq: msg.seq, subject: msg.subject, body: new TextDecoder().decode(msg.data), msgId: msg.headers?.get("Nats-Msg-Id") });
    if (seen.length >= stopAfter) return false;
  });
  return seen;
}

const expected = (keep: (seq: number, subject: string) => boolean): Seen[] =>
  [...published]
    .filter(([seq, [subject]]) => keep(seq, subject))
    .map(([seq, [subject, body]]) => ({ seq, subject, body, msgId: `id-${JSON.parse(body).i}` }));

describe("the stream reader", () => {
  it("reads every message of a filter once, in order, with its stream sequence, over many batches", async () => {
    expect(await read({ filter: "r.a.>", fromSeq: 1, batch: 300 })).toEqual(expected((_, subject) => subject === "r.a.x"));
  });

  it("stops at toSeq, and reads a short range without the filter when asked to", async () => {
    expect(await read({ filter: "r.a.>", fromSeq: 1001, toSeq: 1500, batch: 64 })).toEqual(expected((seq, subject) => subject === "r.a.x" && seq >= 1001 && seq <= 1500));
    // unfiltered: the other subject's messages come too (the caller drops them)
    expect(await read({ filter: "r.a.>", fromSeq: 1001, toSeq: 1500, unfilteredWithin: 4000 })).toEqual(expected((seq) => seq >= 1001 && seq <= 1500));
    // to the end of the stream: more than `unfilteredWithin` left, so filtered after all
    expect(await read({ filter: "r.b.>", fromSeq: 2, unfilteredWithin: 10 })).toEqual(expected((seq, subject) => subject === "r.b.x" && seq >= 2));
  });

  it("ends a read early when the callback says so, and reports what the callback throws", async () => {
    expect((await read({ filter: "r.>", fromSeq: 1 }, 10)).map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const failing = readStream(jetstream(nc), STREAM, { filter: "r.>", fromSeq: 1 }, (msg) => {
      if (msg.seq === 5) throw new Error("no fifth");
    });
    await expect(failing).rejects.toThrow("no fifth");
  });

  it("ends when the server has fewer messages than the consumer counted (a retention limit removed some)", async () => {
    const info = await jsm.consumers.add(STREAM, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: COUNT - 9, ack_policy: AckPolicy.None, inactive_threshold: 10_000_000_000 });
    const seqs: number[] = [];
    await pullMessages(nc, `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${info.name}`, { from: COUNT - 9, pending: 50, batch: 20, expiresMs: 200 }, (msg) => {
      seqs.push(msg.seq);
    });
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => COUNT - 9 + i));
  });

  it("fails, not waits, when the consumer is not there", async () => {
    const pull = pullMessages(nc, `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.no-such-consumer`, { from: 1, pending: 10, batch: 10, expiresMs: 200 }, () => undefined);
    await expect(pull).rejects.toThrow(/NATS pull from .*no-such-consumer: no answer/);
  });

  it("takes the stream sequence from both forms of a JetStream reply subject", () => {
    expect(streamSeqOf("$JS.ACK.reads.c1.1.1234.17.1733580000000000000.0")).toBe(1234);
    expect(streamSeqOf("$JS.ACK._.AHASH.reads.c1.1.98765.17.1733580000000000000.0.tok")).toBe(98765);
    expect(streamSeqOf("$JS.ACK.hub.AHASH.reads.c1.2.42.17.1733580000000000000.3")).toBe(42);
    expect(() => streamSeqOf("_INBOX.abc.def")).toThrow(/reply subject/);
  });
});

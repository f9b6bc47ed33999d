/**
 * The bridge's publishing (src/bridge/ack-window.ts, chunk-writer.ts): a chunk's frames written to the
 * socket in one go and the same chunk sent message by message through the client's publish() put the
 * same messages into the stream, byte for byte with the same headers; every message is acknowledged
 * once, a repeat as a duplicate; the header block is the client's own; acks are read as the client
 * would read them, errors included.
 */
import { DiscardPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckWindow } from "../src/bridge/ack-window.js";
import { ChunkWriter, messageOf, msgIdHeader, ReplyNames, type EncodedChunk } from "../src/bridge/chunk-writer.js";
import { frameWriterOf } from "../src/bridge/frame-writer.js";
import { parseStreamAck, type StreamAck } from "../src/bridge/stream-ack.js";
import { readStream } from "../src/sources/jetstream/stream-reader.js";
import { NatsServer } from "./helpers/nats-server.js";

const encoder = new TextEncoder();
let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await NatsServer.start();
  nc = await connect({ servers: nats.url.replace(/^nats:\/\//, "") });
  const jsm = await jetstreamManager(nc);
  for (const name of ["frames", "client"]) await jsm.streams.add({ name, subjects: [`${name}.>`] });
}, 30_000);

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const EVENTS = [
  { id: "a-1", json: JSON.stringify({ text: "plain" }) },
  { id: "a-2 with spaces", json: JSON.stringify({ text: "ünïcödé ✓ and 😀" }) },
  { id: "  padded id  ", json: JSON.stringify({ text: "x".repeat(3000) }) },
  { id: "ünï-id", json: JSON.stringify({ text: "" }) },
  { id: "a-5", json: JSON.stringify({ big: "y".repeat(5000) }) },
];

/** The chunk the bridge would make of EVENTS, its subjects under `prefix`; the last event too large, so cut to fit. */
function chunkOf(prefix: string, replies: ReplyNames, maxBytes = 4000): EncodedChunk {
  const writer = new ChunkWriter("s1", 0, replies.chunk());
  EVENTS.forEach((event, i) => writer.add(event.id, `${prefix}.agent.t${i % 2}`, i + 1, 1000 + i, event.json, () => Buffer.from(JSON.stringify({ cut: i })), maxBytes));
  return writer.done();
}

async function publishAll(acks: AckWindow, chunk: EncodedChunk): Promise<StreamAck[]> {
  const got: StreamAck[] = [];
  acks.publish(chunk, (i, ack) => {
    expect(got[i]).toBeUndefined();
    got[i] = ack;
  });
  await acks.drained();
  return got;
}

type Stored = { subject: string; msgId?: string; headerNames: string[]; data: string };

async function stored(stream: string): Promise<Stored[]> {
  const out: Stored[] = [];
  await readStream(jetstream(nc), stream, { filter: `${stream}.>`, fromSeq: 1 }, (msg) => {
    out.push({ subject: msg.subject.slice(stream.length), msgId: msg.headers?.get("Nats-Msg-Id"), headerNames: msg.headers?.keys() ?? [], data: Buffer.from(msg.data).toString("utf8") });
  });
  return out;
}

describe("publishing a chunk", () => {
  it("puts the same messages into the stream as frames and through publish(), each acknowledged once", async () => {
    expect(frameWriterOf(nc, () => undefined)).toBeDefined();
    const byFrames = new AckWindow(nc, 100);
    const byClient = new AckWindow(nc, 100, () => undefined, false);
    try {
      const framesAcks = await publishAll(byFrames, chunkOf("frames", new ReplyNames(byFrames.inbox, "w0")));
      const clientAcks = await publishAll(byClient, chunkOf("client", new ReplyNames(byClient.inbox, "t")));
      expect(framesAcks).toEqual(EVENTS.map((_, i) => ({ seq: i + 1, duplicate: false })));
      expect(clientAcks).toEqual(framesAcks);
      const [frames, client] = [await stored("frames"), await stored("client")];
      expect(frames).toHaveLength(EVENTS.length);
      expect(frames).toEqual(client);
      expect(frames.map((m) => m.msgId)).toEqual(EVENTS.map((e) => e.id.trim()));
      expect(frames.map((m) => m.data)).toEqual([...EVENTS.slice(0, -1).map((e) => e.json), JSON.stringify({ cut: 4 })]);
      expect(frames.map((m) => m.subject)).toEqual([".agent.t0", ".agent.t1", ".agent.t0", ".agent.t1", ".agent.t0"]);

      // the same msgIDs again (a restart): stored already, and acknowledged as such
      const again = await publishAll(byFrames, chunkOf("frames", new ReplyNames(byFrames.inbox, "w1")));
      expect(again).toEqual(framesAcks.map((ack) => ({ ...ack, duplicate: true })));
      expect(await stored("frames")).toHaveLength(EVENTS.length);
    } finally {
      byFrames.close();
      byClient.close();
    }
  });

  it("does not count a message the stream refused (an error ack) as stored, and says why", async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "full", subjects: ["full.>"], max_msgs: 2, discard: DiscardPolicy.New });
    const trouble: string[] = [];
    const acks = new AckWindow(nc, 100, (text) => trouble.push(text));
    try {
      const got: number[] = [];
      acks.publish(chunkOf("full", new ReplyNames(acks.inbox, "w0")), (i) => got.push(i));
      await expect.poll(() => trouble.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
      expect(got).toEqual([0, 1]);
      expect(acks.size).toBe(3);
      expect(trouble.slice(0, 3).sort()).toEqual(["a-5", "padded id", "ünï-id"].map((id) => `stream did not take ${id} (maximum messages exceeded); retrying`).sort());
    } finally {
      acks.close();
    }
  });

  it("falls back to publish() message by message, with a warning, on a client without the internal it writes frames with", () => {
    const warnings: string[] = [];
    const otherClient = { protocol: {}, info: { headers: true } } as unknown as NatsConnection;
    expect(frameWriterOf(otherClient, (text) => warnings.push(text))).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/publishing message by message/)]);
  });

  it("refuses a second chunk with the same reply subjects while the first is outstanding", () => {
    const acks = new AckWindow(nc, 100);
    try {
      const replies = new ReplyNames(acks.inbox, "w0");
      const chunk = chunkOf("frames", replies);
      acks.publish(chunk, () => undefined);
      expect(() => acks.publish(chunk, () => undefined)).toThrow(/two chunks/);
    } finally {
      acks.close();
    }
  });
});

describe("the frames' parts", () => {
  it("has the client's own header block for every msgID", () => {
    for (const id of ["a-1", "a b", "  padded  ", "ünï", "x".repeat(300), "tab\there"]) {
      const h = headers();
      h.set("Nats-Msg-Id", id);
      expect(msgIdHeader(id)).toBe(h.toString());
    }
  });

  it("reads a message's subject and msgID back from its frame", () => {
    const chunk = chunkOf("frames", new ReplyNames("_INBOX.x", "w0"));
    expect(EVENTS.map((_, i) => messageOf(chunk, i))).toEqual(EVENTS.map((e, i) => ({ subject: `frames.agent.t${i % 2}`, id: e.id.trim() })));
  });

  it("gives each chunk its own reply subjects", () => {
    const replies = new ReplyNames("_INBOX.x", "w3");
    expect([replies.chunk(), replies.chunk()]).toEqual(["_INBOX.x.w3c0.", "_INBOX.x.w3c1."]);
  });
});

describe("reading an ack", () => {
  const ack = (text: string) => parseStreamAck(encoder.encode(text));

  it("reads the stored message's seq, a duplicate as stored", () => {
    expect(ack('{"stream":"s","seq":42}')).toEqual({ seq: 42, duplicate: false });
    expect(ack('{"stream":"s","seq":42,"duplicate":true}')).toEqual({ seq: 42, duplicate: true });
    expect(ack('{"stream":"s","domain":"d","seq":7}')).toEqual({ seq: 7, duplicate: false });
    expect(ack('{"stream":"s","seq":7,"duplicate":false}')).toEqual({ seq: 7, duplicate: false });
  });

  it("gives the reason when the stream did not store it", () => {
    expect(ack('{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"s","seq":0}')).toEqual({ trouble: "maximum messages exceeded" });
    expect(ack('{"error":{"code":503},"stream":"s","seq":0}')).toEqual({ trouble: '{"code":503}' });
    expect(ack('{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}')).toEqual({ trouble: "expected stream does not match" });
    expect(parseStreamAck(new Uint8Array(0))).toEqual({ trouble: undefined });
    expect(ack("not json")).toEqual({ trouble: undefined });
    expect(ack('{"stream":"s","seq":"7"}')).toEqual({ trouble: undefined });
  });
});

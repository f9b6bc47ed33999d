import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { JetStreamClientImpl } from "@nats-io/jetstream/internal";
import type { NatsConnection } from "@nats-io/transport-node";
import { pullMessages, type StreamMessage } from "./pull.js";

export type { StreamMessage } from "./pull.js";

export type StreamRange = {
  /** One subject filter (nats-server 2.9 takes one per consumer). */
  filter: string;
  /** The first stream sequence to read. */
  fromSeq: number;
  /** Stop after this stream sequence (default: the end as of the start of the read). */
  toSeq?: number;
  batch?: number;
  /**
   * Read without the filter when the range holds at most this many messages of any subject (those
   * outside the filter are then the caller's to drop): see `openConsumer`.
   */
  unfilteredWithin?: number;
};

/**
 * The messages of one subject filter from a stream sequence on, up to what was there when the read
 * began (a read never waits for new messages). Its consumer is left for the server to remove.
 * Returning false from `each` ends the read early.
 */
export async function readStream(js: JetStreamClient, stream: string, range: StreamRange, each: (msg: StreamMessage) => boolean | void): Promise<void> {
  const { name, pending } = await openConsumer(js, stream, range);
  await pullMessages(connectionOf(js), `${apiPrefixOf(js)}.CONSUMER.MSG.NEXT.${stream}.${name}`, { from: Math.max(1, range.fromSeq), pending, toSeq: range.toSeq, batch: range.batch ?? 1000 }, each);
}

/**
 * The consumer of a read and the messages it has to give. nats-server 2.9 starts a consumer with a
 * subject filter slowly in a large stream (it builds each file block's subject index, up to a second a
 * block on a busy machine, again once the index expires), one without a filter at once: a short range
 * (a stretch between two marks of a session) is read whole instead, when the server's count of its
 * messages says it is short.
 */
async function openConsumer(js: JetStreamClient, stream: string, range: StreamRange): Promise<{ name: string; pending: number }> {
  const from = Math.max(1, range.fromSeq);
  const within = range.unfilteredWithin;
  const length = range.toSeq === undefined ? undefined : range.toSeq - from + 1;
  if (within !== undefined && (length === undefined || length <= within)) {
    const whole = await createConsumer(js, stream, from, undefined);
    if (length !== undefined || whole.pending <= within) return whole;
    // (more than that to the end of the stream: the filtered read)
    void (await managerOf(js)).consumers.delete(stream, whole.name).catch(() => undefined);
  }
  return createConsumer(js, stream, from, range.filter);
}

/**
 * A consumer for one read, made with one request (the client's ordered consumer looks the stream up
 * first, a round trip more per read): no acks, in memory, gone by itself once the read is over.
 */
async function createConsumer(js: JetStreamClient, stream: string, from: number, filter: string | undefined): Promise<{ pending: number; name: string }> {
  const info = await (await managerOf(js)).consumers.add(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
    ack_policy: AckPolicy.None,
    ...(filter !== undefined ? { filter_subject: filter } : {}),
    inactive_threshold: READ_CONSUMER_IDLE_MS * 1_000_000,
    num_replicas: 1,
    mem_storage: true,
  });
  return { pending: info.num_pending, name: info.name };
}

/** How long the server keeps a read's consumer once nothing pulls from it (a read pulls without a pause). */
const READ_CONSUMER_IDLE_MS = 10_000;

const managers = new WeakMap<JetStreamClient, Promise<JetStreamManager>>();

/** The client's manager, made without asking the server anything. */
function managerOf(js: JetStreamClient): Promise<JetStreamManager> {
  let manager = managers.get(js);
  if (!manager) {
    manager = js.jetstreamManager(false);
    managers.set(js, manager);
  }
  return manager;
}

/**
 * The connection under a JetStream client: a read pulls its messages on it with a subscription of
 * its own (pull.ts), not through the client's consumer API.
 */
function connectionOf(js: JetStreamClient): NatsConnection {
  if (js instanceof JetStreamClientImpl) return js.nc;
  throw new Error("readStream needs a JetStream client made by jetstream(nc) of @nats-io/jetstream.");
}

function apiPrefixOf(js: JetStreamClient): string {
  return js instanceof JetStreamClientImpl ? js.apiPrefix : "$JS.API";
}

import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";

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
 * began (a read never waits for new messages). An ordered consumer: no state left on the server.
 * Returning false from `each` ends the read early.
 */
export async function readStream(js: JetStreamClient, stream: string, range: StreamRange, each: (msg: JsMsg) => boolean | void): Promise<void> {
  const { consumer, pending } = await openConsumer(js, stream, range);
  let remaining = pending;
  const batch = range.batch ?? 1000;
  let nextSeq = Math.max(1, range.fromSeq);
  while (remaining > 0) {
    // (never more than the range can hold: a fetch past `toSeq` would bring messages only to drop them)
    const room = range.toSeq === undefined ? remaining : Math.min(remaining, range.toSeq - nextSeq + 1);
    if (room <= 0) return;
    const messages = await consumer.fetch({ max_messages: Math.min(batch, room), expires: 5000 });
    let got = 0;
    for await (const msg of messages) {
      got++;
      remaining--;
      nextSeq = msg.seq + 1;
      if (range.toSeq !== undefined && msg.seq > range.toSeq) return;
      if (each(msg) === false) return;
      if (remaining <= 0 || (range.toSeq !== undefined && msg.seq >= range.toSeq)) return;
    }
    if (got === 0) return;
  }
}

/**
 * The consumer of a read and the messages it has to give. nats-server 2.9 starts a consumer with a
 * subject filter slowly in a large stream (it builds each file block's subject index, up to a second a
 * block on a busy machine, again once the index expires), one without a filter at once: a short range
 * (a stretch between two marks of a session) is read whole instead, when the server's count of its
 * messages says it is short.
 */
async function openConsumer(js: JetStreamClient, stream: string, range: StreamRange): Promise<{ consumer: Consumer; pending: number }> {
  const from = Math.max(1, range.fromSeq);
  const within = range.unfilteredWithin;
  const length = range.toSeq === undefined ? undefined : range.toSeq - from + 1;
  if (within !== undefined && (length === undefined || length <= within)) {
    const consumer = await js.consumers.get(stream, { opt_start_seq: from });
    const pending = (await consumer.info(true)).num_pending;
    if (length !== undefined || pending <= within) return { consumer, pending };
    // (more than that to the end of the stream: the filtered read)
    void consumer.delete().catch(() => undefined);
  }
  const consumer = await js.consumers.get(stream, { filter_subjects: range.filter, opt_start_seq: from });
  return { consumer, pending: (await consumer.info(true)).num_pending };
}

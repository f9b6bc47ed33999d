import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";

export type StreamRange = {
  /** One subject filter (nats-server 2.9 takes one per consumer). */
  filter: string;
  /** The first stream sequence to read. */
  fromSeq: number;
  /** Stop after this stream sequence (default: the end as of the start of the read). */
  toSeq?: number;
  batch?: number;
};

/**
 * The messages of one subject filter from a stream sequence on, up to what was there when the read
 * began (a read never waits for new messages). An ordered consumer: no state left on the server.
 * Returning false from `each` ends the read early.
 */
export async function readStream(js: JetStreamClient, stream: string, range: StreamRange, each: (msg: JsMsg) => boolean | void): Promise<void> {
  const consumer = await js.consumers.get(stream, { filter_subjects: range.filter, opt_start_seq: Math.max(1, range.fromSeq) });
  let remaining = (await consumer.info(true)).num_pending;
  const batch = range.batch ?? 1000;
  while (remaining > 0) {
    const messages = await consumer.fetch({ max_messages: Math.min(batch, remaining), expires: 5000 });
    let got = 0;
    for await (const msg of messages) {
      got++;
      remaining--;
      if (range.toSeq !== undefined && msg.seq > range.toSeq) return;
      if (each(msg) === false) return;
      if (remaining <= 0) break;
    }
    if (got === 0) return;
  }
}

import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { readStream } from "../../src/sources/jetstream/stream-reader.js";

export type StreamMessage = { seq: number; subject: string; msgId?: string; data: Record<string, unknown> };

/** Every message of a stream, read with a client of the test's own. */
export async function readWholeStream(url: string, stream = "openclaw-events", filter = "openclaw.events.>"): Promise<StreamMessage[]> {
  const nc = await connect({ servers: url.replace(/^nats:\/\//, "") });
  try {
    const out: StreamMessage[] = [];
    await readStream(jetstream(nc), stream, { filter, fromSeq: 1 }, (msg) => {
      out.push({ seq: msg.seq, subject: msg.subject, msgId: msg.headers?.get("Nats-Msg-Id"), data: msg.json<Record<string, unknown>>() });
    });
    return out;
  } finally {
    await nc.close();
  }
}

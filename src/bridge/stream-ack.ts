export type StreamAck = { seq: number; duplicate: boolean };

const decoder = new TextDecoder();

/** The common acks, `{"stream":"s","seq":7}` and `{"stream":"s","seq":7,"duplicate":true}`; anything else is parsed in full. */
const PLAIN_ACK = /^\{"stream":"[^"\\]*","seq":(\d{1,15})(,"duplicate":true)?\}$/;

/**
 * A JetStream publish ack (a PubAck): the stream's seq for the message, or why there is none (an error
 * ack's description; undefined for no ack at all, e.g. an empty 503 from no stream). A duplicate counts
 * as stored.
 */
export function parseStreamAck(data: Uint8Array): StreamAck | { trouble: string | undefined } {
  if (data.length === 0) return { trouble: undefined };
  const text = decoder.decode(data);
  const plain = PLAIN_ACK.exec(text);
  if (plain) return { seq: Number(plain[1]), duplicate: plain[2] !== undefined };
  let ack: { seq?: unknown; duplicate?: unknown; error?: { description?: string } } | undefined;
  try {
    ack = JSON.parse(text) as typeof ack;
  } catch {
    ack = undefined;
  }
  // (an error ack holds a seq too, 0: the stream did not store the message)
  if (!ack || typeof ack.seq !== "number" || ack.error !== undefined) return { trouble: ack?.error?.description ?? (ack?.error ? JSON.stringify(ack.error) : undefined) };
  return { seq: ack.seq, duplicate: ack.duplicate === true };
}

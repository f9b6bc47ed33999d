import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";

/** A message of a read, with its stream sequence. */
export class StreamMessage {
  readonly data: Uint8Array;

  constructor(
    private readonly msg: Msg,
    readonly seq: number,
  ) {
    this.data = msg.data;
  }

  get subject(): string {
    return this.msg.subject;
  }

  get headers(): MsgHdrs | undefined {
    return this.msg.headers;
  }

  json<T>(): T {
    return this.msg.json<T>();
  }
}

export type Pull = {
  /** The consumer's first stream sequence. */
  from: number;
  /** The messages the consumer had for it when it was made. */
  pending: number;
  /** Stop after this stream sequence. */
  toSeq?: number;
  /** Messages asked for at a time. */
  batch: number;
  /** How long the server holds a request it cannot fill (it answers 408 then; default 5 s). */
  expiresMs?: number;
};

const EXPIRES_MS = 5000;
const SILENCE_MARGIN_MS = 1000;

/**
 * Pulls a consumer's messages (`next`: its `$JS.API.CONSUMER.MSG.NEXT` subject) into `each`, in
 * stream order, a batch at a time, until it has given what it had (`pending`) or `toSeq`. One
 * subscription a read, its messages taken as they come (the client's `fetch` sets up a subscription,
 * an iterator and its monitors for every batch, and makes a message object of each twice over).
 * Returning false from `each` ends the read early; what is still on its way is dropped.
 */
export function pullMessages(nc: NatsConnection, next: string, pull: Pull, each: (msg: StreamMessage) => boolean | void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const inbox = createInbox();
    const expiresMs = pull.expiresMs ?? EXPIRES_MS;
    // (the server answers every request by then, if only with a 408: a read that heard nothing for
    // longer has lost its consumer, which a server restart or the consumer's idle limit removes)
    const silentMs = expiresMs + SILENCE_MARGIN_MS;
    let remaining = pull.pending;
    let nextSeq = pull.from;
    /** Messages the request under way has still to bring, and has brought. */
    let owed = 0;
    let brought = 0;
    let heard = false;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      clearInterval(watchdog);
      sub.unsubscribe();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const ask = () => {
      // (never more than the range can hold: a pull past `toSeq` would bring messages only to drop them)
      const room = pull.toSeq === undefined ? remaining : Math.min(remaining, pull.toSeq - nextSeq + 1);
      if (room <= 0) return finish();
      owed = Math.min(pull.batch, room);
      brought = 0;
      nc.publish(next, JSON.stringify({ batch: owed, expires: expiresMs * 1_000_000 }), { reply: inbox });
    };
    /** One message of the subscription: a status of the request under way, or the next message. */
    const take = (msg: Msg) => {
      const reply = msg.reply;
      if (!reply) {
        // a status of the request: 404/408, it has no more messages now (fewer than the count said: a
        // retention limit removed some); anything else, the read failed
        const code = msg.headers?.code ?? 0;
        if (code === 404 || code === 408) return brought === 0 ? finish() : ask();
        if (code === 100) return;
        throw new Error(`NATS pull from ${next}: ${code} ${msg.headers?.description ?? ""}`.trim());
      }
      const seq = streamSeqOf(reply);
      remaining--;
      owed--;
      brought++;
      nextSeq = seq + 1;
      if (pull.toSeq !== undefined && seq > pull.toSeq) return finish();
      if (each(new StreamMessage(msg, seq)) === false) return finish();
      if (remaining <= 0 || (pull.toSeq !== undefined && seq >= pull.toSeq)) return finish();
      if (owed === 0) ask();
    };
    const sub = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (done) return;
        heard = true;
        try {
          if (error) throw error;
          take(msg);
        } catch (thrown) {
          finish(thrown);
        }
      },
    });
    const watchdog = setInterval(() => {
      if (!heard) finish(new Error(`NATS pull from ${next}: no answer for ${silentMs} ms`));
      heard = false;
    }, silentMs);
    void sub.closed.then(() => finish(done ? undefined : new Error(`NATS pull from ${next}: the connection closed`)));
    try {
      ask();
    } catch (error) {
      finish(error);
    }
  });
}

/**
 * The stream sequence a JetStream message's reply subject carries:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<streamSeq>.<consumerSeq>.<time>.<pending>`, or with
 * `<domain>.<account hash>` after `ACK` (and a token at the end).
 */
export function streamSeqOf(reply: string): number {
  let dots = 0;
  for (let at = reply.indexOf("."); at !== -1; at = reply.indexOf(".", at + 1)) dots++;
  const token = dots === 8 ? 5 : 7;
  let start = 0;
  for (let i = 0; i < token; i++) start = reply.indexOf(".", start) + 1;
  const end = reply.indexOf(".", start);
  const seq = Number(reply.slice(start, end));
  if (start === 0 || end === -1 || !reply.startsWith("$JS.ACK.") || !Number.isSafeInteger(seq)) throw new Error(`not a JetStream message's reply subject: ${reply}`);
  return seq;
}

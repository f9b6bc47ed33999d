import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";

export type StreamAck = { seq: number; duplicate: boolean };

type Outstanding = { subject: string; data: Uint8Array; msgId: string; sentAt: number; resolve(ack: StreamAck): void };

/** How long an ack may take before the message is sent again (JetStream drops the repeat by its msgID). */
const RESEND_AFTER_MS = 4000;

/**
 * Asynchronous JetStream publishing with a bounded number of acks outstanding: each message is sent
 * with a reply subject of one shared inbox (no request per message), and sent again, under the same
 * msgID, until the stream acknowledges it, through errors, lost acks and reconnects alike.
 */
export class AckWindow {
  private readonly inbox = createInbox();
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly maxOutstanding: number,
    private readonly onTrouble: (text: string) => void = () => undefined,
  ) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (_error, msg) => this.acked(msg) });
    this.sweeper = setInterval(() => this.resendLate(), 1000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.outstanding.size;
  }

  /** Resolves once fewer than the maximum of acks are outstanding. */
  async room(): Promise<void> {
    while (this.outstanding.size >= this.maxOutstanding) await new Promise<void>((wake) => this.roomWaiters.push(wake));
  }

  /**
   * Sends at once (the caller keeps to the window by awaiting room() between chunks); resolves once the
   * stream holds the message (possibly from an earlier send of the same msgID).
   */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<StreamAck> {
    return new Promise<StreamAck>((resolve) => {
      const token = String(this.next++);
      const entry: Outstanding = { subject, data, msgId, sentAt: 0, resolve };
      this.outstanding.set(token, entry);
      this.send(token, entry);
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
  }

  private send(token: string, entry: Outstanding): void {
    entry.sentAt = Date.now();
    const h = headers();
    h.set("Nats-Msg-Id", entry.msgId);
    try {
      this.nc.publish(entry.subject, entry.data, { reply: `${this.inbox}.${token}`, headers: h });
    } catch (error) {
      // closed or draining: the sweeper tries again
      this.onTrouble(`publish failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private acked(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const entry = this.outstanding.get(token);
    if (!entry) return;
    let ack: { seq?: number; duplicate?: boolean; error?: { description?: string } } | undefined;
    try {
      ack = msg.data.length > 0 ? JSON.parse(new TextDecoder().decode(msg.data)) : undefined;
    } catch {
      ack = undefined;
    }
    if (!ack || typeof ack.seq !== "number") {
      // no stream answered (503), or it refused: send again after a pause
      const why = ack?.error?.description ?? (msg.headers?.code ? `status ${msg.headers.code}` : "no ack");
      this.onTrouble(`stream did not take ${entry.msgId} (${why}); retrying`);
      entry.sentAt = Date.now() - RESEND_AFTER_MS + 500;
      return;
    }
    this.outstanding.delete(token);
    entry.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private resendLate(): void {
    if (this.nc.isClosed()) return;
    const due = Date.now() - RESEND_AFTER_MS;
    for (const [token, entry] of this.outstanding) if (entry.sentAt <= due) this.send(token, entry);
  }
}

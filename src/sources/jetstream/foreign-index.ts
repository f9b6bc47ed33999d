import type { JetStreamClient } from "@nats-io/jetstream";
import type { StreamSpan } from "./span.js";
import { parseJson, type RegistryRecord } from "./records.js";
import { eventFromMessage } from "./shapes.js";
import { readStream } from "./stream-reader.js";

type Found = { record: RegistryRecord; firstSeq: number; earliest: number; latest: number; agentToken: string };

/**
 * Sessions of a stream written by others (no registry beside it): found by reading the stream once,
 * then only what was added since. Each session's events are read from its first stream sequence on.
 */
export class ForeignIndex {
  private readonly sessions = new Map<string, Found>();
  private readThrough = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly prefix: string,
  ) {}

  async refresh(): Promise<Array<{ record: RegistryRecord; span: StreamSpan; earliest: number; latest: number }>> {
    await readStream(this.js, this.stream, { filter: `${this.prefix}.>`, fromSeq: this.readThrough + 1 }, (msg) => {
      this.readThrough = msg.seq;
      const event = eventFromMessage(parseJson(msg.data), this.stream, msg.seq);
      if (!event) return;
      const id = `${event.session}\n${event.sessionId}`;
      const found = this.sessions.get(id);
      const token = msg.subject.slice(this.prefix.length + 1).split(".")[0] ?? "*";
      if (!found) {
        const record: RegistryRecord = { key: event.session, sessionId: event.sessionId, agent: event.agent, gateway: "" };
        this.sessions.set(id, { record, firstSeq: msg.seq, earliest: event.timestamp, latest: event.timestamp, agentToken: token });
      } else {
        found.earliest = Math.min(found.earliest, event.timestamp);
        found.latest = Math.max(found.latest, event.timestamp);
        if (found.agentToken !== token) found.agentToken = "*";
        found.record.updatedAt = found.latest;
      }
    });
    return [...this.sessions.values()].map((f) => ({
      record: { ...f.record, updatedAt: f.latest },
      span: {
        id: `foreign\n${f.record.key}\n${f.record.sessionId}`,
        filter: `${this.prefix}.${f.agentToken}.>`,
        fromSeq: f.firstSeq,
        belongs: (e) => e.session === f.record.key && e.sessionId === f.record.sessionId,
        numbered: false,
      },
      earliest: f.earliest,
      latest: f.latest,
    }));
  }
}

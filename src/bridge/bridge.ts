import { setTimeout as sleep } from "node:timers/promises";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { redactorFor } from "../engine/answer-redaction.js";
import { clearanceAllows, sessionsInScope } from "../engine/principal.js";
import type { QueryContext } from "../engine/run-query.js";
import { inGenerations, type Generations } from "../engine/select.js";
import { classify } from "../engine/visibility.js";
import { CHECKPOINT_BUCKET, eventSubject, REGISTRY_BUCKET } from "../sources/jetstream/names.js";
import { newReadStats } from "../sources/session.js";
import { AckWindow } from "./ack-window.js";
import { Checkpoints } from "./checkpoints.js";
import { publishedEvent, type PublishedEvent } from "./event-record.js";
import { RegistryWriter } from "./registry-writer.js";
import { ensureStream, type Retention } from "./stream-setup.js";

export type BridgeOptions = {
  stream: string;
  prefix: string;
  gateway: string;
  generations: Generations;
  retention: Retention;
  once: boolean;
  /** Acks outstanding at most. */
  window?: number;
  /** Events per checkpoint. */
  batch?: number;
  pollMs?: number;
  say: (text: string) => void;
  signal?: AbortSignal;
};

/** Events handed to the client in one synchronous go. */
const CHUNK = 256;

type Batch = Map<string, { readThrough: number; acks: Array<{ streamSeq: number; timestamp: number; seq: number }> }>;

/**
 * Publishes every event the principal may see, as the tools would answer it, into the stream, and the
 * sessions into the KV registry; then follows the stores. Exactly once through checkpoints (see
 * checkpoints.ts) and msgIDs.
 */
export async function runBridge(nc: NatsConnection, ctx: Pick<QueryContext, "listSessions" | "principal" | "policy">, options: BridgeOptions): Promise<{ published: number }> {
  const js = jetstream(nc);
  const info = await ensureStream(nc, options.stream, options.prefix, options.retention);
  const kvm = new Kvm(nc);
  const registry = new RegistryWriter(await kvm.create(REGISTRY_BUCKET, { history: 1 }), options.gateway, options.stream, options.say);
  const checkpoints = await Checkpoints.load(await kvm.create(CHECKPOINT_BUCKET, { history: 1 }), options.gateway, options.say);
  const recovered = await checkpoints.recover(js, options.stream, options.prefix, info.state.last_seq);
  if (recovered > 0) options.say(`${recovered} event(s) found in the stream past the last checkpoint; not publishing them again.`);
  const acks = new AckWindow(nc, options.window ?? 4096, options.say);
  const fit = { redactor: redactorFor(ctx), stripInternal: ctx.principal.clearance === "public" };
  const batchSize = options.batch ?? 20_000;
  let published = 0;
  try {
    for (;;) {
      const sessions = sessionsInScope(await ctx.listSessions(), ctx.principal).filter((s) => inGenerations(s, options.generations));
      await registry.write(sessions);
      let batch: Batch = new Map();
      let pending: Array<Promise<void>> = [];
      const flush = async () => {
        await Promise.all(pending);
        await checkpoints.commit(batch);
        batch = new Map();
        pending = [];
      };
      for (const session of sessions) {
        const after = checkpoints.of(session.sessionId)?.seq ?? 0;
        const done = { readThrough: after, acks: [] as Array<{ streamSeq: number; timestamp: number; seq: number }> };
        batch.set(session.sessionId, done);
        // events go out a chunk at a time, in one go: the client then writes them to the socket together
        let chunk: PublishedEvent[] = [];
        const send = () => {
          for (const record of chunk) {
            const subject = eventSubject(options.prefix, record.agent, record.type);
            const target = done.acks;
            pending.push(
              acks.publish(subject, Buffer.from(JSON.stringify(record)), record.id).then((ack) => {
                target.push({ streamSeq: ack.seq, timestamp: record.timestamp, seq: record.seq });
              }),
            );
          }
          published += chunk.length;
          chunk = [];
        };
        for await (const event of session.events({ stats: newReadStats(), wholeLines: true, skipBefore: { seq: after } })) {
          if (event.seq <= after) continue;
          done.readThrough = Math.max(done.readThrough, event.seq);
          const visibility = classify(event, ctx.policy.rules);
          if (clearanceAllows(ctx.principal.clearance, visibility)) chunk.push(publishedEvent(event, session, visibility, options.gateway, fit));
          if (chunk.length >= CHUNK) {
            send();
            await acks.room();
            // (only here, with every event read so far handed over: the checkpoint then covers no unsent one)
            if (pending.length >= batchSize) {
              await flush();
              done.acks = [];
              batch.set(session.sessionId, done);
            }
          }
          if (options.signal?.aborted) break;
        }
        send();
      }
      await flush();
      if (options.once || options.signal?.aborted) break;
      await sleep(options.pollMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) break;
    }
  } finally {
    acks.close();
  }
  return { published };
}


import { setTimeout as sleep } from "node:timers/promises";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AppOptions } from "../app/context.js";
import { sessionsInScope } from "../engine/principal.js";
import type { QueryContext } from "../engine/run-query.js";
import { inGenerations, type Generations } from "../engine/select.js";
import { CHECKPOINT_BUCKET, REGISTRY_BUCKET } from "../sources/jetstream/names.js";
import { AckWindow } from "./ack-window.js";
import { CheckpointPipeline } from "./checkpoint-pipeline.js";
import { Checkpoints } from "./checkpoints.js";
import { EncoderPool, InThreadEncoder, workersAvailable, type ChunkSource } from "./encoder-pool.js";
import { RegistryWriter } from "./registry-writer.js";
import { ensureStream, type Retention } from "./stream-setup.js";
import { encodeSettingsFor, type EncodeSettings } from "./transcript-encoder.js";

export type BridgeOptions = {
  stream: string;
  prefix: string;
  gateway: string;
  generations: Generations;
  retention: Retention;
  /** Copies of the stream and the KV buckets when they are created (a cluster: 3). */
  replicas?: number;
  once: boolean;
  /** Acks outstanding at most. */
  window?: number;
  /** Events per checkpoint. */
  batch?: number;
  pollMs?: number;
  /** Worker threads for the per-event work, and the options they open the stores with (none: this thread). */
  workers?: { count: number; app: AppOptions };
  say: (text: string) => void;
  signal?: AbortSignal;
};

/** Workers where they can run (see encoder-pool.ts), else this thread. */
function chunkSource(workers: BridgeOptions["workers"], settings: EncodeSettings, replyInbox: string): ChunkSource {
  if (!workers || workers.count < 1 || !workersAvailable()) return new InThreadEncoder(settings, replyInbox);
  const { gateway, prefix, maxMessageBytes } = settings;
  return new EncoderPool(workers.count, { app: workers.app, gateway, prefix, maxMessageBytes, replyInbox }, settings);
}

/**
 * Publishes every event the principal may see, as the tools would answer it, into the stream, and the
 * sessions into the KV registry; then follows the stores. Exactly once through checkpoints (see
 * checkpoints.ts) and msgIDs.
 */
export async function runBridge(nc: NatsConnection, ctx: Pick<QueryContext, "listSessions" | "principal" | "policy">, options: BridgeOptions): Promise<{ published: number }> {
  const js = jetstream(nc);
  const info = await ensureStream(nc, options.stream, options.prefix, options.retention, options.say, options.replicas);
  const kvm = new Kvm(nc);
  const registry = await RegistryWriter.load(await kvm.create(REGISTRY_BUCKET, { history: 1, replicas: options.replicas ?? 1 }), options.gateway, options.stream, options.say);
  const checkpoints = await Checkpoints.load(await kvm.create(CHECKPOINT_BUCKET, { history: 1, replicas: options.replicas ?? 1 }), options.gateway, options.say);
  const recovered = await checkpoints.recover(js, options.stream, options.prefix, info.state.last_seq);
  if (recovered > 0) options.say(`${recovered} event(s) found in the stream past the last checkpoint; not publishing them again.`);
  const acks = new AckWindow(nc, options.window ?? 4096, options.say);
  const batchSize = options.batch ?? 20_000;
  // (the server refuses a larger message for ever; the headroom is for the headers and the reply subject)
  const maxMessageBytes = (nc.info?.max_payload ?? 1024 * 1024) - 1024;
  const settings = encodeSettingsFor(ctx, { gateway: options.gateway, prefix: options.prefix, maxMessageBytes });
  const encoder = chunkSource(options.workers, settings, acks.inbox);
  const pipeline = new CheckpointPipeline(checkpoints);
  let published = 0;
  let cutToFit = 0;
  try {
    for (let round = 0; ; round++) {
      const sessions = sessionsInScope(await ctx.listSessions(), ctx.principal).filter((s) => inGenerations(s, options.generations));
      // (the encoders start on the transcripts meanwhile; no event goes out before the registry has its session)
      const registryWritten = registry.write(sessions);
      registryWritten.catch(() => undefined);
      const jobs = sessions.map((session) => ({ session, after: checkpoints.of(session.sessionId)?.seq ?? 0 }));
      for await (const chunk of encoder.chunks(jobs, round)) {
        await registryWritten;
        // a chunk goes out in one write
        pipeline.send(chunk, (onAck) => acks.publish(chunk, onAck));
        published += chunk.ends.length;
        if (chunk.cut) {
          if (cutToFit === 0) options.say(`event ${chunk.cut.firstId} is larger than the server's max_payload; its long strings are cut to fit (meta.cutToFit)`);
          cutToFit += chunk.cut.count;
        }
        await acks.room();
        // a checkpoint per batch, once every message of it is acknowledged (never per event)
        if (pipeline.openEvents >= batchSize) await pipeline.close();
        if (options.signal?.aborted) break;
      }
      await registryWritten;
      await pipeline.close();
      await pipeline.settled();
      if (options.once || options.signal?.aborted) break;
      await sleep(options.pollMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) break;
    }
  } finally {
    acks.close();
    await encoder.close();
  }
  return { published };
}


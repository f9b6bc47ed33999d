import { Worker } from "node:worker_threads";
import { builtWorkerScript } from "../app/worker-script.js";
import type { SessionInfo } from "../sources/session.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./encoder-messages.js";
import { ReplyNames, type EncodedChunk } from "./chunk-writer.js";
import { encodedChunks, type EncodeSettings } from "./transcript-encoder.js";

/** A transcript to publish from just after `after` (its checkpoint's seq). */
export type TranscriptJob = { session: SessionInfo; after: number };

/** Where the bridge gets its messages from: workers, or its own thread. */
export interface ChunkSource {
  /** Every job's chunks, each transcript's in order (transcripts may interleave). */
  chunks(jobs: readonly TranscriptJob[], round: number): AsyncGenerator<EncodedChunk>;
  close(): Promise<void>;
}

/** Chunks handed over ahead of the bridge, per worker: enough to keep it busy while the bridge publishes. */
const CREDIT = 4;

/** The worker's script (built: dist/src/bridge/encode-worker.js), none when run from the TypeScript sources. */
const WORKER_SCRIPT = builtWorkerScript(import.meta.url, "./encode-worker.js");

/** Whether workers can run here. */
export function workersAvailable(): boolean {
  return WORKER_SCRIPT !== undefined;
}

/** The per-event work in the bridge's own thread. */
export class InThreadEncoder implements ChunkSource {
  private readonly replies: ReplyNames;

  /** `replyInbox`: where the acks of the messages go (the bridge's AckWindow). */
  constructor(
    private readonly settings: EncodeSettings,
    replyInbox: string,
  ) {
    this.replies = new ReplyNames(replyInbox, "t");
  }

  async *chunks(jobs: readonly TranscriptJob[]): AsyncGenerator<EncodedChunk> {
    for (const job of jobs) yield* encodedChunks(job.session, job.after, this.settings, this.replies);
  }

  async close(): Promise<void> {}
}

/**
 * Worker threads that each take whole transcripts (reading, classifying, shaping and redacting,
 * encoding), so the per-event work is spread over the cores while the bridge's thread only publishes.
 * A transcript a worker cannot find (the stores changed between its listing and the bridge's) is
 * encoded in the bridge's thread.
 */
export class EncoderPool implements ChunkSource {
  private readonly workers: Worker[];
  private readonly inThread: InThreadEncoder;
  /** Why a worker is gone (between two rounds too: the next one then fails rather than waits for it). */
  private gone?: Error;
  private closing = false;

  constructor(count: number, setup: Omit<WorkerSetup, "credit" | "tag">, settings: EncodeSettings) {
    this.workers = Array.from({ length: count }, (_, i) => {
      const worker = new Worker(WORKER_SCRIPT!, { workerData: { ...setup, credit: CREDIT, tag: `w${i}` } satisfies WorkerSetup });
      worker.on("error", (error) => (this.gone ??= error)).on("exit", (code) => {
        if (!this.closing) this.gone ??= new Error(`a publish worker exited (code ${code})`);
      });
      return worker;
    });
    this.inThread = new InThreadEncoder(settings, setup.replyInbox);
  }

  async *chunks(jobs: readonly TranscriptJob[], round: number): AsyncGenerator<EncodedChunk> {
    if (this.gone) throw this.gone;
    const pending = [...jobs];
    const taken = new Map<string, TranscriptJob>();
    const ready: Array<{ chunk: EncodedChunk; worker: Worker }> = [];
    const missing: TranscriptJob[] = [];
    let busy = 0;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const give = (worker: Worker) => {
      const job = pending.shift();
      if (!job) return;
      busy++;
      taken.set(job.session.sessionId, job);
      const message: ToWorker = { type: "transcript", sessionId: job.session.sessionId, location: job.session.location, after: job.after, round };
      worker.postMessage(message);
    };
    const listeners = this.workers.map((worker) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === "chunk") ready.push({ chunk: message.chunk, worker });
        else if (message.type === "failed") failure ??= new Error(message.message);
        else {
          if (message.type === "missing") missing.push(taken.get(message.sessionId)!);
          busy--;
          give(worker);
        }
        wake?.();
      };
      const onError = (error: Error) => {
        failure ??= error;
        wake?.();
      };
      const onExit = () => onError(this.gone ?? new Error("a publish worker exited"));
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      return () => worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    });
    try {
      for (const worker of this.workers) give(worker);
      for (;;) {
        if (failure) throw failure;
        const next = ready.shift();
        if (next) {
          yield next.chunk;
          next.worker.postMessage({ type: "credit" } satisfies ToWorker);
        } else if (busy > 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        } else break;
      }
      yield* this.inThread.chunks(missing);
    } finally {
      for (const stopListening of listeners) stopListening();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

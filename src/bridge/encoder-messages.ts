import type { EncodedChunk } from "./chunk-writer.js";

/** What a worker is started with (workerData): how to open the stores, and how to encode. */
export type WorkerSetup = {
  /** The command's AppOptions: the worker opens the same stores, as the same principal. */
  app: Record<string, unknown>;
  gateway: string;
  prefix: string;
  maxMessageBytes: number;
  /** The bridge's ack inbox, and this worker's tag in the reply subjects under it (see chunk-writer.ts ReplyNames). */
  replyInbox: string;
  tag: string;
  /** Chunks a worker may hand over before the bridge has taken them. */
  credit: number;
};

/** `round`: the bridge's pass over the stores (the worker lists the sessions again for a new one). */
export type ToWorker = { type: "transcript"; sessionId: string; location: string; after: number; round: number } | { type: "credit" };

export type FromWorker =
  | { type: "chunk"; chunk: EncodedChunk }
  | { type: "done"; sessionId: string }
  /** The worker's listing of the stores does not hold the transcript (it changed in between). */
  | { type: "missing"; sessionId: string }
  | { type: "failed"; sessionId: string; message: string };

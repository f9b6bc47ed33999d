/**
 * A worker thread of the bridge (encoder-pool.ts): opens the stores itself, from the options the command
 * was given, and turns whole transcripts into encoded chunks, which it hands over without copying.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createAppContext, type AppOptions } from "../app/context.js";
import type { SessionInfo } from "../sources/session.js";
import { ReplyNames } from "./chunk-writer.js";
import type { ToWorker, FromWorker, WorkerSetup } from "./encoder-messages.js";
import { encodedChunks, encodeSettingsFor } from "./transcript-encoder.js";

const port = parentPort!;
const setup = workerData as WorkerSetup;
const ctx = createAppContext(setup.app as AppOptions);
const settings = encodeSettingsFor(ctx, setup);
const replies = new ReplyNames(setup.replyInbox, setup.tag);

let listedRound = -1;
let listing = new Map<string, SessionInfo>();
let credit = setup.credit;
let wakeOnCredit: (() => void) | undefined;
let work = Promise.resolve();

const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

async function sessionNamed(sessionId: string, location: string, round: number): Promise<SessionInfo | undefined> {
  const key = `${sessionId}\n${location}`;
  // (each round of the bridge lists anew: a transcript's registry entry may have changed since)
  if (round !== listedRound || !listing.has(key)) {
    listing = new Map((await ctx.listSessions()).map((s) => [`${s.sessionId}\n${s.location}`, s]));
    listedRound = round;
  }
  return listing.get(key);
}

async function encode(job: Extract<ToWorker, { type: "transcript" }>): Promise<void> {
  try {
    const session = await sessionNamed(job.sessionId, job.location, job.round);
    if (!session) return post({ type: "missing", sessionId: job.sessionId });
    for await (const chunk of encodedChunks(session, job.after, settings, replies)) {
      while (credit === 0) await new Promise<void>((wake) => (wakeOnCredit = wake));
      credit--;
      post({ type: "chunk", chunk }, [chunk.bytes.buffer as ArrayBuffer]);
    }
    post({ type: "done", sessionId: job.sessionId });
  } catch (error) {
    post({ type: "failed", sessionId: job.sessionId, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

port.on("message", (message: ToWorker) => {
  if (message.type === "credit") {
    credit++;
    wakeOnCredit?.();
    wakeOnCredit = undefined;
  } else {
    // (one transcript at a time, in the order given)
    work = work.then(() => encode(message));
  }
});

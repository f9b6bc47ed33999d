/** The full-text index's writer in a worker thread (index-writer.ts): requests in, replies out, in order. */
import { parentPort, workerData } from "node:worker_threads";
import { openWriterConnection } from "./database.js";
import { DocWriter, type WriteOp } from "./doc-writer.js";

const port = parentPort!;
const writer = new DocWriter(openWriterConnection((workerData as { path: string }).path), (reply) => port.postMessage(reply));
port.on("message", (op: WriteOp) => writer.handle(op));

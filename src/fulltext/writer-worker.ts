/** The full-text index's writer in a worker thread (index-writer.ts): requests in, replies out, in order. */
import { parentPort, workerData } from "node:worker_threads";
import { createRedactor } from "../engine/redact.js";
import { openWriterConnection } from "./database.js";
import { DocWriter, type WriteOp, type WriterSetup } from "./doc-writer.js";

const port = parentPort!;
const setup = workerData as WriterSetup;
const writer = new DocWriter(openWriterConnection(setup.path), createRedactor(setup.redactPatterns), (reply) => port.postMessage(reply));
port.on("message", (op: WriteOp) => writer.handle(op));

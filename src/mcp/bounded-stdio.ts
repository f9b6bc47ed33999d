/**
 * MCP over stdio, one JSON-RPC message a line, where a message over the size limit is refused instead
 * of ending the connection. The SDK's StdioServerTransport closes itself (and so the server, for every
 * caller) when a line grows past its buffer limit; here such a line is dropped as it streams in, up to
 * its newline, the client gets a JSON-RPC error, and the next line is read as usual. Memory stays
 * within the limit however long the line.
 */
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { deserializeMessage, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** The largest JSON-RPC message read, in bytes (the SDK's own limit, 10 MiB). */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** JSON-RPC "Invalid Request". */
const INVALID_REQUEST = -32600;

export class BoundedStdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private pieces: Buffer[] = [];
  private pendingBytes = 0;
  /** The current line went over the limit: the rest of it is dropped. */
  private dropping = false;
  private started = false;

  constructor(
    private readonly stdin: Readable = process.stdin,
    private readonly stdout: Writable = process.stdout,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error("BoundedStdioServerTransport already started");
    this.started = true;
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onStdinError);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onStdinError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.pieces = [];
    this.pendingBytes = 0;
    this.onclose?.();
  }

  private readonly onStdinError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.dropping) {
        if (this.pendingBytes + (end - start) > this.maxBytes) {
          this.dropping = true;
          this.pieces = [];
          this.pendingBytes = 0;
        } else if (end > start) {
          this.pieces.push(chunk.subarray(start, end));
          this.pendingBytes += end - start;
        }
      }
      if (newline === -1) return;
      if (this.dropping) {
        this.dropping = false;
        this.refuseOversized();
      } else {
        this.deliver(Buffer.concat(this.pieces, this.pendingBytes).toString("utf8").replace(/\r$/, ""));
        this.pieces = [];
        this.pendingBytes = 0;
      }
      start = newline + 1;
    }
  };

  private deliver(line: string): void {
    if (line.trim() === "") return;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line);
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.onmessage?.(message);
  }

  /** Its id cannot be read without reading all of it, so the error answers id null (JSON-RPC 2.0, 5.1). */
  private refuseOversized(): void {
    const text = `A JSON-RPC message over ${this.maxBytes} bytes was discarded unread; send smaller messages.`;
    this.onerror?.(new Error(text));
    void this.write(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: INVALID_REQUEST, message: text } })}\n`);
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(text)) resolve();
      else this.stdout.once("drain", resolve);
    });
  }
}

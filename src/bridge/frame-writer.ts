import type { NatsConnection } from "@nats-io/transport-node";

/** Writes protocol frames built elsewhere (chunk-writer.ts) to the connection, after what the client has queued. */
export type FrameWriter = { write(frames: Uint8Array): void };

/** The part of nats.js's connection internals used (@nats-io/nats-core 3.4, pinned in package-lock.json). */
type ProtocolHandler = { sendCommand(command: Uint8Array): void };

/**
 * The client's own queue for the socket, `protocol.sendCommand` (its publish() ends there too, after
 * building the frame per message): undefined, with a warning, when this client has no such method or
 * the server takes no headers, and the bridge then publishes through publish() message by message.
 * (Messages written so are not in the client's nc.stats() counts, which nothing here reads.)
 */
export function frameWriterOf(nc: NatsConnection, warn: (text: string) => void): FrameWriter | undefined {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolHandler> }).protocol;
  if (typeof protocol?.sendCommand !== "function") {
    warn("this nats.js client has no protocol.sendCommand (not the version in package-lock.json?): publishing message by message, which is slower");
    return undefined;
  }
  if (nc.info?.headers !== true) return undefined;
  const handler = protocol as ProtocolHandler;
  return { write: (frames) => handler.sendCommand(frames) };
}

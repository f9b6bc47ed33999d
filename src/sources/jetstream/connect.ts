import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";

export { parseNatsUrl, type NatsAddress } from "./nats-url.js";
import { trackConnection } from "./open-connections.js";
import type { NatsAddress } from "./nats-url.js";

export type ConnectOptions = {
  credsFile?: string;
  /** Told of each disconnect and reconnect (the bridge says so on stderr). */
  onStatus?: (text: string) => void;
  name?: string;
  /** Keep trying the first connect too (the bridge waits for NATS; a query fails at once, clearly). */
  waitForServer?: boolean;
  /**
   * Bytes of outgoing messages gathered before a write to the socket (the client's default, 32 KiB, is
   * a write every ~20 events of the bridge: a syscall and a copy each).
   */
  writeEveryBytes?: number;
};

/** Connects, and keeps reconnecting for ever with backoff (a server restart loses nothing). */
export async function connectNats(address: NatsAddress, options: ConnectOptions = {}): Promise<NatsConnection> {
  const opts: NodeConnectionOptions = {
    servers: address.serverList,
    name: options.name ?? "openclaw-session-events",
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    // backoff: 250 ms, doubling up to 5 s
    reconnectDelayHandler: (() => {
      let attempt = 0;
      return () => Math.min(5000, 250 * 2 ** Math.min(attempt++, 5));
    })(),
    waitOnFirstConnect: options.waitForServer === true,
    pingInterval: 5000,
    maxPingOut: 2,
  };
  // (`pendingLimit` is the client's own option, left out of its types)
  if (options.writeEveryBytes !== undefined) Object.assign(opts, { pendingLimit: options.writeEveryBytes });
  if (address.user !== undefined) Object.assign(opts, { user: address.user, pass: address.pass });
  if (address.token !== undefined) opts.token = address.token;
  if (options.credsFile) opts.authenticator = credsAuthenticator(readFileSync(options.credsFile));
  const nc = await connect(opts).catch((error: unknown) => {
    throw new Error(`cannot reach NATS at ${address.servers}: ${error instanceof Error ? error.message : String(error)}`);
  });
  trackConnection(nc);
  if (options.onStatus) {
    const say = options.onStatus;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") say(`disconnected from NATS ${address.servers}; reconnecting`);
        else if (status.type === "reconnect") say(`reconnected to NATS ${address.servers}`);
        else if (status.type === "error") say(`NATS error: ${String((status as { error?: unknown }).error ?? "")}`);
      }
    })();
  }
  return nc;
}

export { closeAllNats } from "./open-connections.js";

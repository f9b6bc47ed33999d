import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { DEFAULT_STREAM } from "./names.js";

/** A NATS address as given: `nats://[user:pass@|token@]host:port[/stream]`. */
export type NatsAddress = { servers: string; user?: string; pass?: string; token?: string; stream: string; display: string };

export function parseNatsUrl(value: string, defaultStream = DEFAULT_STREAM): NatsAddress {
  let url: URL;
  try {
    url = new URL(value.includes("://") ? value : `nats://${value}`);
  } catch {
    throw new Error(`not a NATS address: ${JSON.stringify(value)} (expected nats://[user:pass@]host:port[/stream]).`);
  }
  if (!["nats:", "tls:"].includes(url.protocol) || url.hostname === "") {
    throw new Error(`not a NATS address: ${JSON.stringify(value)} (expected nats://[user:pass@]host:port[/stream]).`);
  }
  const stream = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, "")) || defaultStream;
  if (!/^[^\s.*>/\\]+$/.test(stream)) throw new Error(`not a stream name: ${JSON.stringify(stream)}.`);
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = url.password ? decodeURIComponent(url.password) : undefined;
  const servers = `${url.protocol === "tls:" ? "tls://" : ""}${url.hostname.includes(":") ? `[${url.hostname}]` : url.hostname}:${url.port || "4222"}`;
  return {
    servers,
    ...(user !== undefined && pass !== undefined ? { user, pass } : user !== undefined ? { token: user } : {}),
    stream,
    display: `nats://${servers}/${stream}`,
  };
}

export type ConnectOptions = {
  credsFile?: string;
  /** Told of each disconnect and reconnect (the bridge says so on stderr). */
  onStatus?: (text: string) => void;
  name?: string;
  /** Keep trying the first connect too (the bridge waits for NATS; a query fails at once, clearly). */
  waitForServer?: boolean;
};

/** Connects, and keeps reconnecting for ever with backoff (a server restart loses nothing). */
export async function connectNats(address: NatsAddress, options: ConnectOptions = {}): Promise<NatsConnection> {
  const opts: NodeConnectionOptions = {
    servers: address.servers,
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
  if (address.user !== undefined) Object.assign(opts, { user: address.user, pass: address.pass });
  if (address.token !== undefined) opts.token = address.token;
  if (options.credsFile) opts.authenticator = credsAuthenticator(readFileSync(options.credsFile));
  const nc = await connect(opts).catch((error: unknown) => {
    throw new Error(`cannot reach NATS at ${address.servers}: ${error instanceof Error ? error.message : String(error)}`);
  });
  open.add(nc);
  void nc.closed().then(() => open.delete(nc));
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

const open = new Set<NatsConnection>();

/** Closes every connection still open (a CLI command is done; the process may exit). */
export async function closeAllNats(): Promise<void> {
  await Promise.all([...open].map((nc) => nc.close().catch(() => undefined)));
}

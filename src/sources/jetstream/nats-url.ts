/** NATS addresses, parsed without loading the NATS client (a store list parses them at every start). */
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

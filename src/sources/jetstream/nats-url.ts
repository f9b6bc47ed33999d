/** NATS addresses, parsed without loading the NATS client (a store list parses them at every start). */
import { DEFAULT_STREAM } from "./names.js";

/**
 * A NATS address as given: `nats://[user:pass@|token@]host:port[,host:port...][/stream]` (several hosts:
 * the nodes of a cluster; the client fails over between them). `servers` is the hosts as one text.
 */
export type NatsAddress = { servers: string; serverList: string[]; user?: string; pass?: string; token?: string; stream: string; display: string };

const EXPECTED = "expected nats://[user:pass@]host:port[,host:port...][/stream]";

export function parseNatsUrl(value: string, defaultStream = DEFAULT_STREAM): NatsAddress {
  const withScheme = value.includes("://") ? value : `nats://${value}`;
  // the hosts after the first are taken out before URL parsing (a URL has one host)
  const parts = /^([a-z]+:\/\/(?:[^@/]*@)?)([^/,]*)((?:,[^/,]+)*)(\/.*)?$/i.exec(withScheme);
  if (!parts) throw new Error(`not a NATS address: ${JSON.stringify(value)} (${EXPECTED}).`);
  const [, start, firstHost, moreHosts, path] = parts;
  const first = parseOne(`${start}${firstHost}${path ?? ""}`, value);
  const others = (moreHosts ?? "").split(",").filter((h) => h !== "").map((host) => parseOne(`${first.url.protocol}//${host}`, value).server);
  const serverList = [first.server, ...others];
  const url = first.url;
  const stream = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, "")) || defaultStream;
  if (!/^[^\s.*>/\\]+$/.test(stream)) throw new Error(`not a stream name: ${JSON.stringify(stream)}.`);
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = url.password ? decodeURIComponent(url.password) : undefined;
  const servers = serverList.join(",");
  return {
    servers,
    serverList,
    ...(user !== undefined && pass !== undefined ? { user, pass } : user !== undefined ? { token: user } : {}),
    stream,
    display: `nats://${servers}/${stream}`,
  };
}

function parseOne(text: string, given: string): { url: URL; server: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a NATS address: ${JSON.stringify(given)} (${EXPECTED}).`);
  }
  if (!["nats:", "tls:"].includes(url.protocol) || url.hostname === "") {
    throw new Error(`not a NATS address: ${JSON.stringify(given)} (${EXPECTED}).`);
  }
  const server = `${url.protocol === "tls:" ? "tls://" : ""}${url.hostname.includes(":") && !url.hostname.startsWith("[") ? `[${url.hostname}]` : url.hostname}:${url.port || "4222"}`;
  return { url, server };
}

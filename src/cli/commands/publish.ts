import { availableParallelism, hostname } from "node:os";
import { Command, Option } from "commander";
import { createAppContext } from "../../app/context.js";
import { parseTimeBound } from "../../engine/time.js";
import { parseNatsUrl } from "../../sources/jetstream/nats-url.js";
import { DEFAULT_PREFIX, DEFAULT_STREAM } from "../../sources/jetstream/names.js";
import { appOptions, withAppOptions } from "../shared-options.js";

/** Past a few workers the one thread publishing is the limit, and each worker holds the stores open again. */
const DEFAULT_WORKERS_AT_MOST = 4;

type PublishFlags = {
  nats: string;
  stream?: string;
  prefix: string;
  gateway?: string;
  once?: boolean;
  status?: boolean;
  maxAge?: string;
  maxBytes?: string;
  maxMsgs?: string;
  replicas: string;
  generations: "current" | "all";
  creds?: string;
  workers?: string;
};

export function publishCommand(): Command {
  return withAppOptions(
    new Command("publish")
      .description("Publish every event of the stores into a NATS JetStream stream (and the sessions into KV), then follow the stores.")
      .requiredOption("--nats <url>", "nats://[user:pass@|token@]host:port[/stream]")
      .option("--stream <name>", `stream name (default: the URL's, else ${DEFAULT_STREAM})`)
      .option("--prefix <subject>", "subject prefix", DEFAULT_PREFIX)
      .option("--gateway <name>", "this gateway's name in the stream (default: the host name)")
      .option("--creds <file>", "NATS credentials file")
      .option("--once", "publish what exists and exit")
      .option("--status", "print the stream, its size and how far behind this gateway's bridge is, and exit")
      .option("--max-age <duration>", "retention: 720h, 30d, ... (an existing stream is updated to it)")
      .option("--max-bytes <n>", "retention: bytes (an existing stream is updated to it)")
      .option("--max-msgs <n>", "retention: messages (an existing stream is updated to it)")
      .option("--workers <n>", `threads that read, redact and encode the transcripts beside the one publishing (default: one per core, at most ${DEFAULT_WORKERS_AT_MOST}; 0: none)`)
      .option("--replicas <n>", "copies of the stream and the KV buckets when they are created (a cluster: 3)", "1")
      .addOption(new Option("--generations <which>", "current transcripts, or all (earlier ones too)").choices(["current", "all"]).default("current")),
  ).action(async (flags: PublishFlags, command: Command) => {
    const address = parseNatsUrl(flags.nats);
    const stream = flags.stream ?? address.stream;
    const gateway = flags.gateway ?? hostname();
    if (!/^[^\s]+$/.test(gateway)) throw new Error(`--gateway must be a non-empty name without spaces.`);
    const say = (text: string) => console.error(`[publish] ${text}`);
    const app = appOptions(command.optsWithGlobals());
    const ctx = createAppContext(app);
    const retention = {
      maxAgeMs: flags.maxAge !== undefined ? durationMs(flags.maxAge) : undefined,
      maxBytes: count("--max-bytes", flags.maxBytes),
      maxMsgs: count("--max-msgs", flags.maxMsgs),
    };
    const replicas = count("--replicas", flags.replicas)!;
    if (replicas > 5) throw new Error(`--replicas must be 1 to 5 (JetStream's most), not ${replicas}.`);
    const workers = flags.workers === undefined ? Math.min(availableParallelism(), DEFAULT_WORKERS_AT_MOST) : flags.workers === "0" ? 0 : count("--workers", flags.workers)!;
    // (it waits for a server that does not answer yet: say so, or a first start looks hung)
    say(`connecting to ${address.servers} (until it answers: retrying with backoff; Ctrl-C stops)`);
    // (the NATS client and the bridge load only here: every other command starts without them)
    const { connectNats } = await import("../../sources/jetstream/connect.js");
    const { runBridge } = await import("../../bridge/bridge.js");
    const { bridgeStatus } = await import("../../bridge/status.js");
    const nc = await connectNats(address, { credsFile: flags.creds, onStatus: say, name: `session-events publish (${gateway})`, waitForServer: true, writeEveryBytes: 1024 * 1024 });
    try {
      if (flags.status) {
        process.stdout.write(`${await bridgeStatus(nc, ctx, { stream, gateway, generations: flags.generations })}\n`);
        return;
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const result = await runBridge(nc, ctx, { stream, prefix: flags.prefix, gateway, generations: flags.generations, retention, replicas, once: flags.once === true, workers: { count: workers, app }, say, signal: controller.signal });
      say(`published ${result.published} event(s) to ${stream}`);
    } finally {
      await nc.close();
    }
  });
}

function durationMs(value: string): number {
  const now = Date.now();
  const start = parseTimeBound("--max-age", value, now);
  if (!(start < now)) throw new Error(`--max-age must be a duration such as 720h or 30d, not ${JSON.stringify(value)}.`);
  return now - start;
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(value)}.`);
  return n;
}

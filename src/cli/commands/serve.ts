import { isIP } from "node:net";
import { Command, CommanderError } from "commander";
import { createAppContext } from "../../app/context.js";
import { loadConfigFile } from "../../app/config-file.js";
import { TokenRegistry } from "../../app/tokens.js";
import { appOptions, withAppOptions } from "../shared-options.js";

const DEFAULT_LISTEN = "127.0.0.1:7420";
const STOP_WITHIN_MS = 4_500;

/** "HOST:PORT" or "[IPv6]:PORT" (port 0: any free port). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`--listen takes HOST:PORT (e.g. 127.0.0.1:7420, [::1]:7420, 0.0.0.0:0), not ${JSON.stringify(text)}`);
  return { host: (match[1] ?? match[2])!, port };
}

export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host.toLowerCase() === "::ffff:127.0.0.1";
}

function refuse(message: string): never {
  console.error(`error: ${message}`);
  throw new CommanderError(2, "session-events.serve", message);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function serveCommand(): Command {
  return withAppOptions(
    new Command("serve")
      .description("Serve the HTTP API, MCP over Streamable HTTP and a live event stream (see the README).")
      .option("--listen <host:port>", `address to listen on (default ${DEFAULT_LISTEN}; port 0 picks a free one)`)
      .option("--tokens <file>", "tokens file (env SESSION_EVENTS_TOKENS); without it, loopback only")
      .option("--allow-origin <url>", "an Origin allowed besides the server's own (repeatable)", collect)
      .option("--allow-host <name>", "a Host name the server answers to besides its own, e.g. behind a proxy (repeatable)", collect)
      .option("--no-index", "do not bring indexes up to date in the background"),
  ).action(async (flags: { listen?: string; tokens?: string; allowOrigin?: string[]; allowHost?: string[]; index?: boolean }, command: Command) => {
    let listen: { host: string; port: number };
    try {
      listen = parseListen(flags.listen ?? DEFAULT_LISTEN);
      for (const origin of flags.allowOrigin ?? []) new URL(origin);
    } catch (error) {
      refuse(error instanceof Error && error.message.startsWith("--listen") ? error.message : `--allow-origin takes a URL such as https://dash.example.org`);
    }
    const options = appOptions(command.optsWithGlobals());
    const tokensPath = flags.tokens ?? (process.env.SESSION_EVENTS_TOKENS?.trim() || undefined);
    if (!tokensPath && !isLoopback(listen.host)) {
      refuse(`refusing to listen on ${listen.host} without tokens: anyone who can reach it would read every session. Give --tokens FILE (see \`session-events token add\`), or listen on 127.0.0.1.`);
    }
    let tokens: TokenRegistry | undefined;
    if (tokensPath) {
      try {
        tokens = new TokenRegistry(tokensPath, (message) => console.error(`[session-events] ${message}`));
      } catch (error) {
        refuse(error instanceof Error ? error.message : String(error));
      }
    }
    const config = loadConfigFile(options.config);
    const ctx = createAppContext(options);
    const { startHttpServer, DEFAULT_RATE_LIMIT_PER_MINUTE } = await import("../../http/server.js");
    const { BackgroundIndexer } = await import("../../app/background-index.js");
    const indexer = flags.index === false ? undefined : new BackgroundIndexer(ctx);
    const server = await startHttpServer(ctx, {
      ...listen,
      tokens,
      allowOrigins: flags.allowOrigin ?? [],
      allowHosts: flags.allowHost ?? [],
      rateLimitPerMinute: config.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
      indexing: indexer && (() => indexer.progress()),
    });
    indexer?.start((p) => server.metrics.recordIndexPass(p));
    tokens?.watch();
    process.stdout.write(`listening on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        setTimeout(() => process.exit(0), STOP_WITHIN_MS).unref();
        indexer?.stop();
        server.stop().then(resolve, (error: unknown) => {
          console.error(`[session-events] stopping: ${error instanceof Error ? error.message : String(error)}`);
          resolve();
        });
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  });
}

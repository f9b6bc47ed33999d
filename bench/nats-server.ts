import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

/** A real nats-server with JetStream on a free loopback port and a temp store dir (a missing server fails, never skips; tests and benchmarks). */
export class NatsServer {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), "session-events-nats-"));

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = [], port?: number): Promise<NatsServer> {
    requireNatsServer();
    const server = new NatsServer(port ?? (await freePort()), extraArgs);
    await server.up();
    return server;
  }

  async up(): Promise<void> {
    this.child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dir, ...this.extraArgs], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!(await listening(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not start on port ${this.port}`);
      await sleep(50);
    }
  }

  /** Stops the server (SIGTERM; `kill` for SIGKILL, a crash) and waits until it is gone. */
  async down(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Three servers with JetStream clustering on loopback (one route port each): a stream with replicas 3
 * goes on while any one of them is down.
 */
export class NatsCluster {
  private constructor(readonly nodes: NatsServer[]) {}

  /** Every node's client URL, comma-separated (a client fails over between them). */
  get url(): string {
    return `nats://${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}`;
  }

  static async start(size = 3): Promise<NatsCluster> {
    requireNatsServer();
    const clientPorts: number[] = [];
    const routePorts: number[] = [];
    for (let i = 0; i < size; i++) {
      clientPorts.push(await freePort());
      routePorts.push(await freePort());
    }
    const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(",");
    const nodes = await Promise.all(
      clientPorts.map((port, i) => NatsServer.start(["-n", `node-${i + 1}`, "--cluster_name", "session-events-test", "--cluster", `nats://127.0.0.1:${routePorts[i]}`, "--routes", routes], port)),
    );
    const cluster = new NatsCluster(nodes);
    await cluster.waitForJetStream();
    return cluster;
  }

  /** Until the JetStream meta group has a leader (before that, no stream can be made). */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({ servers: this.nodes.map((n) => `127.0.0.1:${n.port}`) });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ready = await jetstreamManager(nc, { timeout: 2000 })
          .then((jsm) => jsm.getAccountInfo())
          .then(() => true, () => false);
        if (ready) return;
        if (Date.now() > deadline) throw new Error(`the nats cluster has no JetStream leader after ${timeoutMs} ms`);
        await sleep(250);
      }
    } finally {
      await nc.close();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

function requireNatsServer(): void {
  const found = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
  if (found.error || found.status !== 0) {
    throw new Error("nats-server is not installed (apt-get install nats-server): the NATS tests and benchmarks need a real server.");
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

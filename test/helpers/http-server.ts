/** Runs the BUILT `session-events serve` as a child process and talks to it over real loopback HTTP. */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import { MAIN_JS, PROJECT_ROOT } from "./built-server.js";

export type Served = {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code (and how long it took). */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
};

/** Starts `serve` with these arguments; resolves once it printed its line (rejects if it exits first). */
export function serve(args: string[], env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [MAIN_JS, "serve", "--listen", "127.0.0.1:0", ...args], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 20 s\n${stderr}`)), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: async (signal = "SIGTERM") => {
          const at = Date.now();
          if (child.exitCode === null) child.kill(signal);
          const code = await exited;
          return { code, ms: Date.now() - at };
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited with ${code} before listening\n${stderr}`), { code, stderr }));
    });
  });
}

export type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string; json: () => any };

/** One raw HTTP request (node:http, so that Host and other headers go exactly as given). */
export function get(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

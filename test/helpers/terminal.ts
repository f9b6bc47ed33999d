/** The built CLI on a real terminal: `script` runs it on a pseudo-terminal (stdin, stdout and stderr all TTYs). */
import { spawn, spawnSync } from "node:child_process";
import { MAIN_JS, PROJECT_ROOT } from "./built-server.js";

/** Whether util-linux `script` is here (tests on a terminal skip without it). */
export const HAS_SCRIPT = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

const quoted = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/**
 * Runs the built CLI with `args` on a pseudo-terminal and gives what the terminal showed (stdout and
 * stderr together), once `until` matches it (the CLI is then stopped) or the CLI exits.
 */
export function runOnTerminal(args: string[], env: Record<string, string>, until?: RegExp, timeoutMs = 20_000): Promise<string> {
  const command = [process.execPath, MAIN_JS, ...args].map(quoted).join(" ");
  // -q: no "Script started" lines; -f: flush as it comes; -e: the CLI's exit code; /dev/null: no typescript file
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: PROJECT_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let shown = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ${until} on the terminal within ${timeoutMs} ms; it showed:\n${shown}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      shown += chunk.toString();
      if (until?.test(shown)) {
        clearTimeout(timer);
        child.kill("SIGTERM");
        resolve(shown);
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(shown);
    });
  });
}

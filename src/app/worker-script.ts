import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The path of a worker thread's script beside the calling module (`callerUrl`: its import.meta.url),
 * when the code runs built: run from the TypeScript sources (as the tests import them) there is no
 * script a worker thread could load, and the caller does the work in its own thread.
 */
export function builtWorkerScript(callerUrl: string, script: string): string | undefined {
  const path = fileURLToPath(new URL(script, callerUrl));
  return callerUrl.endsWith(".js") && existsSync(path) ? path : undefined;
}

import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs a request to NATS until it succeeds (a KV write while the server restarts times out): waits with
 * backoff between tries, up to 5 s, and says so once per trouble.
 */
export async function untilDone<T>(what: string, request: () => Promise<T>, say: (text: string) => void, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (signal?.aborted) throw error;
      if (attempt === 0) say(`${what} failed (${error instanceof Error ? error.message : String(error)}); retrying until NATS answers`);
      await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
    }
  }
}

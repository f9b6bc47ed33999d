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

/** Requests to NATS a run keeps in flight at once (KV writes: each waits for its ack, not for the one before). */
const REQUESTS_IN_FLIGHT = 64;

/**
 * `request` for every item, each until it succeeds (untilDone), at most `limit` at once, in no particular
 * order; says the first trouble only (NATS down fails them all alike).
 */
export async function allUntilDone<T>(what: string, items: readonly T[], request: (item: T) => Promise<unknown>, say: (text: string) => void, limit = REQUESTS_IN_FLIGHT): Promise<void> {
  let next = 0;
  let said = false;
  const sayOnce = (text: string) => {
    if (!said) say(text);
    said = true;
  };
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await untilDone(what, () => request(item), sayOnce);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

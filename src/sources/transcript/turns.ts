import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Reads are synchronous (see readLines), from the line reader up to the events a session gives: a
 * chain of async generators cost a promise per event at every level, and V8 spent more time compiling
 * those generators than a short query ran. The one thing a read must wait for is its turn: after
 * YIELD_EVERY_BYTES a synchronous read yields TURN, the levels above pass it on, and `withTurns` (where
 * a session's events become an async iterable) gives the event loop its turn there.
 */
export const TURN: unique symbol = Symbol("turn");
export type Turn = typeof TURN;

/**
 * After this many bytes read (by all reads together: a count reads thousands of small files) the
 * event loop gets a turn, so a long scan does not hold up other work (a server's other requests, a
 * cancellation, timers). A few ms of reading and parsing: a small query asked of a server during a
 * whole-store count waits for a few such stretches (30-70 ms here, against 45-220 ms with 4 MiB),
 * while a scan of 1 GB takes a thousand turns of microseconds each (no slower, measured).
 */
const YIELD_EVERY_BYTES = 1024 * 1024;
let readSinceTurn = 0;

/** Counts bytes read; true when the event loop is due a turn (the reader then yields TURN). */
export function turnDue(bytes: number): boolean {
  readSinceTurn += bytes;
  if (readSinceTurn < YIELD_EVERY_BYTES) return false;
  readSinceTurn = 0;
  return true;
}

/** The items of a synchronous read, giving the event loop a turn wherever the read asks for one. */
export async function* withTurns<T>(items: Iterable<T | Turn>): AsyncGenerator<T> {
  for (const item of items) {
    if (item === TURN) await nextTurn();
    else yield item;
  }
}

/** The items of a synchronous read without its turns (a read too short to need them, or a test). */
export function* withoutTurns<T>(items: Iterable<T | Turn>): Generator<T> {
  for (const item of items) if (item !== TURN) yield item;
}

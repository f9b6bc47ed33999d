import { createAppContext, type AppContext, type AppOptions } from "../../src/app/context.js";

/** A real context over a real store, with a fixed cursor key and an optional fixed clock. */
export function contextFor(store: string | string[], options: Omit<AppOptions, "store"> & { now?: number } = {}): AppContext {
  const { now, ...rest } = options;
  const ctx = createAppContext({ store, ...rest }, { SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789" });
  return now === undefined ? ctx : { ...ctx, now: () => now };
}

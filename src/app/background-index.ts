import { setTimeout as sleep, setImmediate as yieldToRequests } from "node:timers/promises";
import { followWaiters } from "../engine/query/follow.js";
import { warmIndexes } from "../engine/warm-indexes.js";
import type { AppContext } from "./context.js";

/** How often a pass runs when no watched directory says anything changed. */
const QUIET_PASS_MS = 60_000;
/**
 * The least time from one pass's start to the next. Reading a SQLite store in WAL mode touches its
 * -shm and -wal files, so a pass wakes the very watch it then waits on: without a floor the indexer
 * would go round in a loop (seen: 25 passes a second on the sample store).
 */
const MIN_PASS_INTERVAL_MS = 2_000;

export type IndexPass = { sessions: number; read: number; bytesRead: number };

/**
 * Keeps every transcript's index, totals and full text current while a server runs, so that no request pays a
 * first read once it has caught up: one session at a time, yielding to requests between sessions, and
 * again after any change in the stores' directories (the watch the follows share).
 */
export class BackgroundIndexer {
  private state: "starting" | "catching up" | "current" | "stopped" = "starting";
  private sessions = 0;
  private done = 0;
  private read = 0;
  private passes = 0;
  private lastPassAt: number | undefined;
  private readonly controller = new AbortController();

  constructor(private readonly ctx: AppContext) {}

  progress(): Record<string, unknown> {
    return {
      state: this.state,
      sessions: this.sessions,
      indexed: this.done,
      readThisPass: this.read,
      passes: this.passes,
      lastPassAt: this.lastPassAt === undefined ? null : new Date(this.lastPassAt).toISOString(),
    };
  }

  start(onPass: (pass: IndexPass) => void = () => undefined): void {
    void this.run(onPass).catch((error: unknown) => {
      console.error(`[session-events] background indexing stopped: ${error instanceof Error ? error.message : String(error)}`);
      this.state = "stopped";
    });
  }

  stop(): void {
    this.state = "stopped";
    this.controller.abort();
  }

  private async run(onPass: (pass: IndexPass) => void): Promise<void> {
    const { signal } = this.controller;
    while (!signal.aborted) {
      const startedAt = Date.now();
      const sessions = await this.ctx.listSessions();
      this.state = "catching up";
      this.sessions = sessions.length;
      this.done = 0;
      this.read = 0;
      let bytesRead = 0;
      for (const session of sessions) {
        if (signal.aborted) return;
        await yieldToRequests();
        try {
          // the full text first: its read also builds the transcript's index, which warming then finds done
          const text = await this.ctx.textIndex?.update([session], { signal }).catch(() => undefined);
          const warmed = await warmIndexes([session]);
          this.read += warmed.read;
          bytesRead += warmed.stats.bytesRead + (text?.bytesRead ?? 0);
        } catch {
          // a transcript that cannot be read now is tried again on the next pass (a query says why)
        }
        this.done++;
      }
      this.state = "current";
      this.passes++;
      this.lastPassAt = Date.now();
      onPass({ sessions: this.sessions, read: this.read, bytesRead });
      const dirs = [...new Set(sessions.map((s) => s.watchDir).filter((d): d is string => d !== undefined))];
      await followWaiters.waitForChange(dirs, QUIET_PASS_MS, signal);
      const early = startedAt + MIN_PASS_INTERVAL_MS - Date.now();
      if (early > 0) await sleep(early, undefined, { signal }).catch(() => undefined);
    }
  }
}

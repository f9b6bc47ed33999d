import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import { parseJson } from "./records.js";

/** A watch that has gained nothing for this long while behind the bucket is started again. */
const STALLED_MS = 1000;
/** How many watches one look at the bucket starts before it gives up. */
const ATTEMPTS = 3;

type Watch = {
  stop(): void;
  /** The bucket's revision (stream sequence) the entries kept are current to. */
  revision: number;
  /** The watch's first entries (the bucket as it was when it started) are in. */
  initialDone: boolean;
  lastProgress: number;
  ended: boolean;
  progressed: Set<() => void>;
};

/**
 * A KV bucket's entries, kept current by a watch (the server pushes every change) instead of reading
 * the bucket again: `current()` costs one request (the bucket's last revision) and answers with every
 * change made before it was called, waiting for the watch to have got that far.
 */
export class KvMirror<T> {
  private readonly values = new Map<string, T>();
  /** Bumped on every change of the entries: what was built from them is current while it is the same. */
  version = 0;
  private watch?: Promise<Watch>;
  /** What the last look at the bucket relied on: the watch (good while it runs), or nothing (an empty bucket). */
  private looked?: { readonly ended: boolean };

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    /** The bucket's stream (`KV_<bucket>`). */
    private readonly streamName: string,
  ) {}

  /**
   * The entries as the last look at the bucket found them and as the watch changed them since
   * (undefined: there was no look yet, or the watch ended since).
   */
  kept(): ReadonlyMap<string, T> | undefined {
    return this.looked && !this.looked.ended ? this.values : undefined;
  }

  /** The bucket's entries now (values that are not JSON left out); none when there is no such bucket. */
  async current(attempts = ATTEMPTS): Promise<ReadonlyMap<string, T>> {
    this.looked = undefined;
    const state = await this.jsm.streams.info(this.streamName).then(
      (info) => info.state,
      (error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return undefined;
        throw error;
      },
    );
    if (!state || state.messages === 0) {
      this.stop();
      this.replace(new Map());
      this.looked = { ended: false };
      return this.values;
    }
    const existing = this.watch;
    const known = await existing?.catch(() => undefined);
    const kept = known && !known.ended ? existing : undefined;
    const watching = kept ?? this.start();
    const watch = await watching;
    // (a watch started after the look at the bucket holds all it held once its first entries are in)
    while (watch.revision < state.last_seq && !(watch.initialDone && !kept)) {
      await progressOf(watch);
      if (watch.ended || Date.now() - watch.lastProgress >= STALLED_MS) {
        // ended or stalled behind (a server restart; entries removed under the watch): look again, watch again
        if (attempts <= 1) throw new Error(`NATS KV bucket ${this.streamName}: the watch of its entries stalled ${ATTEMPTS} times.`);
        if (this.watch === watching) this.stop();
        return this.current(attempts - 1);
      }
    }
    this.looked = watch;
    return this.values;
  }

  stop(): void {
    const watch = this.watch;
    this.watch = undefined;
    void watch?.then((w) => w.stop(), () => undefined);
  }

  /** A new watch (the last entry of each key, then every change), its first entries replacing what was kept. */
  private start(): Promise<Watch> {
    this.stop();
    const started = this.kv.watch().then((entries) => {
      const watch: Watch = { stop: () => entries.stop(), revision: 0, initialDone: false, lastProgress: Date.now(), ended: false, progressed: new Set() };
      const first = new Map<string, T>();
      void (async () => {
        try {
          for await (const entry of entries) {
            watch.lastProgress = Date.now();
            if (!watch.initialDone) {
              setEntry(first, entry);
              // (the first entries are taken in whole: no caller sees half of them, nor what was kept before)
              if (!entry.isUpdate) continue;
              watch.initialDone = true;
              this.replace(first);
            } else if (setEntry(this.values, entry)) this.version++;
            watch.revision = Math.max(watch.revision, entry.revision);
            for (const wake of [...watch.progressed]) wake();
          }
        } catch {
          // (a watch that fails ends: the next look at the bucket starts another)
        } finally {
          watch.ended = true;
          for (const wake of [...watch.progressed]) wake();
        }
      })();
      return watch;
    });
    this.watch = started;
    started.catch(() => {
      if (this.watch === started) this.watch = undefined;
    });
    return started;
  }

  private replace(values: ReadonlyMap<string, T>): void {
    if (values.size === 0 && this.values.size === 0) return;
    this.values.clear();
    for (const [key, value] of values) this.values.set(key, value);
    this.version++;
  }
}

/** Resolves when the watch takes in an entry or ends, or after STALLED_MS. */
function progressOf(watch: Watch): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      watch.progressed.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, STALLED_MS);
    watch.progressed.add(wake);
  });
}

/** Applies one watched entry; whether it changed anything. */
function setEntry<T>(values: Map<string, T>, entry: KvEntry): boolean {
  const value = entry.operation === "PUT" ? parseJson<T>(entry.value) : undefined;
  if (value === undefined) return values.delete(entry.key);
  values.set(entry.key, value);
  return true;
}

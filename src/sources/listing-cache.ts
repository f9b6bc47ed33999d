import { statSync, watch, type FSWatcher } from "node:fs";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { SessionInfo, SessionListing } from "./session.js";

/** How long a listing is reused at most, even when no file-system event says it changed. */
const MAX_AGE_MS = 5000;
/** File times and the clock may differ by this much. */
const CLOCK_SLACK_MS = 2000;
/** How many lookups by name are kept at once. */
const MAX_NAMED = 64;

type Named = { sessions: SessionInfo[] | undefined; at: number };

/** Whether a file last changed (content or metadata, but not its access time) before `time`. */
function changedBefore(path: string, time: number): boolean {
  try {
    // the change time, not the modification time: a tool can put the latter back after an edit
    return statSync(path).ctimeMs < time;
  } catch {
    return false;
  }
}

/**
 * Reuses a store listing (its registry parses and per-file stats) between queries until something
 * in the watched directories changes: one page of a walk over thousands of sessions then costs what
 * its own reads cost, not a stat of every transcript. Lookups by name (the sessions one key names)
 * are reused the same way, so each page of a walk over one session does not look its key up again.
 * Where a directory cannot be watched, every query lists (or looks up) afresh.
 */
export class ListingCache {
  private listing: SessionListing | undefined;
  private listedAt = 0;
  private readonly named = new Map<string, Named>();
  /** When the oldest lookup kept was made. */
  private namedSince = Number.POSITIVE_INFINITY;
  private readonly watchers = new Map<string, FSWatcher>();
  private unwatchable = false;
  /** Counts changes the watches reported: one during a listing means the listing may have missed it. */
  private changes = 0;
  /** Whether no change was reported while the listing ran. */
  private trusted = false;
  /** The stamp of the session set taken just before the listing began. */
  private listingStamp: string | undefined;

  constructor(
    private readonly fresh: () => Promise<SessionListing>,
    /** The directories whose changes can change the listing (besides each session's own). */
    private readonly roots: () => string[],
    /**
     * A cheap stamp of what the set of sessions depends on: a listing is reused only while it is the
     * same, whenever the watches report (their events may come after a query has begun).
     */
    private readonly sessionSetStamp?: () => string,
  ) {}

  /**
   * Whether `get` would answer with the listing it has. `stamp`: the session set's stamp, when the
   * caller has just taken it (saves taking it again).
   */
  async isFresh(stamp?: string): Promise<boolean> {
    // let file-system events that have already arrived be handled before the cached listing is trusted
    await nextTurn();
    if (this.listing === undefined || !this.trusted || this.unwatchable || Date.now() - this.listedAt >= MAX_AGE_MS) return false;
    return this.sessionSetStamp === undefined || (stamp ?? this.sessionSetStamp()) === this.listingStamp;
  }

  /**
   * The sessions `ref` names, as `find` gives them (undefined: only a listing can tell), reused while
   * the store is unchanged; undefined when a listing is at hand anyway.
   */
  async lookup(ref: string, find: () => Promise<SessionInfo[] | undefined>): Promise<SessionInfo[] | undefined> {
    if (await this.isFresh()) return undefined;
    const known = this.named.get(ref);
    if (known && !this.unwatchable && Date.now() - known.at < MAX_AGE_MS) return known.sessions;
    const at = Date.now();
    const sessions = await find();
    this.watchStore(sessions ?? []);
    if (this.named.size >= MAX_NAMED) this.forgetNamed();
    this.named.set(ref, { sessions, at });
    this.namedSince = Math.min(this.namedSince, at);
    return sessions;
  }

  private forgetNamed(): void {
    this.named.clear();
    this.namedSince = Number.POSITIVE_INFINITY;
  }

  /** The listing; `stamp`: the session set's stamp, taken by the caller just before (see isFresh). */
  async get(stamp?: string): Promise<SessionListing> {
    if ((await this.isFresh(stamp)) && this.listing) return this.listing;
    this.listing = undefined;
    const changesBefore = this.changes;
    const startedAt = Date.now();
    this.listingStamp = stamp ?? this.sessionSetStamp?.();
    const listing = await this.fresh();
    this.watchStore(listing.sessions);
    this.listing = listing;
    // Its age counts from when it was done (counted from its start, a listing slower than MAX_AGE_MS
    // would never be reused), unless a change was reported while it ran: it may have missed that one.
    const missedNone = this.changes === changesBefore;
    this.listedAt = missedNone ? Date.now() : startedAt;
    this.trusted = missedNone;
    return listing;
  }

  private changed(): void {
    this.listing = undefined;
    this.changes++;
  }

  /** Watches the store's roots and these sessions' directories (their changes can change what was found). */
  private watchStore(sessions: readonly SessionInfo[]): void {
    for (const dir of new Set([...this.roots(), ...sessions.map((s) => s.watchDir).filter((d): d is string => !!d)])) this.watch(dir);
  }

  private watch(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const watcher = watch(dir, { persistent: false }, (event, name) => {
        // reading a file can bump its access time, which is reported as a change: only a newer
        // change (or a file coming or going) changes the listing
        const path = name && join(dir, name.toString());
        const unchangedSince = (time: number) => event === "change" && path && changedBefore(path, time - CLOCK_SLACK_MS);
        if (!unchangedSince(this.listedAt)) this.changed();
        if (!unchangedSince(this.namedSince)) this.forgetNamed();
      });
      watcher.on("error", () => {
        this.changed();
        this.forgetNamed();
        this.watchers.delete(dir);
        watcher.close();
      });
      this.watchers.set(dir, watcher);
    } catch (error) {
      // a dir that is gone changes nothing (its parent is watched); one we cannot watch means listing afresh every time
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.unwatchable = true;
    }
  }
}

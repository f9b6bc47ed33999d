import { readCacheFile } from "../cache-file.js";
import type { CacheMac } from "../cache-mac.js";
import type { NormalizerState } from "../transcript/normalize.js";
import type { EventStats } from "./event-stats.js";

/** What the MAC of a rollups line is bound to. */
const ROLLUP_LINE = "rollup";

/** A whole transcript's totals (no hours) while it is unchanged: counts of it need not open it. */
export type Rollup = {
  version: string;
  endState: NormalizerState;
  stats: Record<string, EventStats>;
  /** Its lines that yielded nothing (unreadable or of unknown kind). */
  skipped: number;
};

/**
 * Every indexed transcript's rollup, each kept as its JSON text and parsed when a count asks for it:
 * a store has thousands, and as objects they would take about three times their text. On disk, one
 * line per transcript, sealed (CacheMac): `[id, version]` as JSON, a tab, then the rollup's JSON.
 */
export class Rollups {
  private readonly byId = new Map<string, { version: string; json: string }>();
  /** Whether a rollup was set since `lines()` was last read. */
  changed = false;
  /** Lines of the file read that were not rollups (damaged, or cut short by a crash). */
  damaged = 0;

  /**
   * The rollups saved at `path` (none when it is missing or unreadable: they are rebuilt as transcripts
   * are read); a line whose MAC does not verify counts as damaged.
   */
  static read(path: string | undefined, mac: CacheMac | undefined): Rollups {
    const rollups = new Rollups();
    if (!path || !mac) return rollups;
    let text: string;
    try {
      text = readCacheFile(path).toString("utf8");
    } catch {
      return rollups;
    }
    for (const sealed of text.split("\n")) {
      if (sealed === "") continue;
      const line = mac.open(ROLLUP_LINE, sealed) ?? "";
      const tab = line.indexOf("\t"); // JSON strings escape tabs: the first one ends [id, version]
      try {
        const [id, version] = JSON.parse(line.slice(0, tab)) as unknown[];
        if (tab > 0 && typeof id === "string" && typeof version === "string") {
          rollups.byId.set(id, { version, json: line.slice(tab + 1) });
          continue;
        }
      } catch {
        // (below)
      }
      rollups.damaged++; // that transcript's rollup is rebuilt when it is next read whole
    }
    return rollups;
  }

  /** The rollup of a transcript if it is still at this version. */
  get(id: string, version: string): Rollup | undefined {
    const saved = this.byId.get(id);
    if (saved?.version !== version) return undefined;
    try {
      const rollup = { version, ...(JSON.parse(saved.json) as Omit<Rollup, "version">) };
      return typeof rollup.skipped === "number" ? rollup : undefined;
    } catch {
      return undefined;
    }
  }

  has(id: string, version: string): boolean {
    return this.byId.get(id)?.version === version;
  }

  set(id: string, { version, ...rest }: Rollup): void {
    this.byId.set(id, { version, json: JSON.stringify(rest) });
    this.changed = true;
  }

  /** Drops the rollups of these transcripts (without counting as a change: they are dropped from the file too); how many. */
  forget(gone: (id: string) => boolean): number {
    let dropped = 0;
    for (const id of [...this.byId.keys()]) if (gone(id) && this.byId.delete(id)) dropped++;
    return dropped;
  }

  /**
   * The file's lines, one by one (thousands of rollups are never joined into one string); with the
   * file's current rollups, those of transcripts this one does not hold too (another process, or a
   * reader of another store sharing the cache dir, wrote them since this one read the file).
   */
  *lines(mac: CacheMac, onDisk?: Rollups): Generator<string> {
    this.changed = false;
    const line = (id: string, version: string, json: string) => `${mac.seal(ROLLUP_LINE, `${JSON.stringify([id, version])}\t${json}`)}\n`;
    for (const [id, { version, json }] of this.byId) yield line(id, version, json);
    for (const [id, { version, json }] of onDisk?.byId ?? []) {
      if (!this.byId.has(id)) yield line(id, version, json);
    }
  }
}

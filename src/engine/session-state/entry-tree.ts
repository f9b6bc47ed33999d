/**
 * The entry tree of one transcript (pi's `id`/`parentId`), kept compactly so that the messages in
 * context can follow the active branch: the parent chain from the active leaf back to the root, cut at
 * the last compaction on it. Each entry costs a map slot for its id and a few numbers in typed arrays;
 * no content is kept here.
 */

const NONE = -1;

export class EntryTree {
  private readonly ids = new Map<string, number>();
  private size = 0;
  private parent = new Int32Array(1024);
  private depth = new Int32Array(1024);
  /** Messages on the chain from the root to the entry, itself included. */
  private total = new Int32Array(1024);
  /** How many of those messages a compaction on the chain took out of the context. */
  private cut = new Int32Array(1024);
  /** The position of the entry's message event (0: the entry is not a message). */
  private position = new Float64Array(1024);
  /** The active branch's last entry. */
  private leaf = NONE;
  /** The id of the entry made last (its line's further events belong to it). */
  private lastEntryId: string | undefined;

  /**
   * The node of an event's entry, made on the entry's first event. Its parent: the entry named by
   * `parentId` (null: a root), or the active leaf when the line names none (v1 files, where the file
   * order is the branch) or names an entry this tree does not know. Every new entry becomes the leaf;
   * a line that reuses an earlier line's id is a new entry (the id then names the newer one).
   */
  enter(entryId: string | undefined, parentId: string | null | undefined): number {
    // the later events of one line come right after its first; an id seen before that is a new line reusing it
    if (entryId !== undefined && entryId === this.lastEntryId) return this.size - 1;
    const parent = parentId === null ? NONE : parentId === undefined ? this.leaf : (this.ids.get(parentId) ?? this.leaf);
    const node = this.add(parent);
    if (entryId !== undefined) this.ids.set(entryId, node);
    this.lastEntryId = entryId;
    this.leaf = node;
    return node;
  }

  /** A `leaf` line: the active branch now ends at `targetId` (null: before the first entry). Its own id names the target. */
  rewind(targetId: string | null, entryId: string | undefined): void {
    const target = targetId === null ? NONE : this.ids.get(targetId);
    if (target === undefined) return;
    this.leaf = target;
    if (entryId !== undefined && !this.ids.has(entryId) && target !== NONE) this.ids.set(entryId, target);
  }

  /** Marks the entry as a message (once), whose event is at `position`. Only the newest entry can become one. */
  markMessage(node: number, position: number): boolean {
    if (node !== this.size - 1 || this.position[node] !== 0) return false;
    this.position[node] = position;
    this.total[node]! += 1;
    return true;
  }

  /**
   * A compaction entry: the context from it on starts at `firstKeptEntryId`, when that entry is on its
   * chain. Returns whether it was (false: nothing was cut).
   */
  compact(node: number, firstKeptEntryId: string): boolean {
    const kept = this.ids.get(firstKeptEntryId);
    const parent = this.parent[node]!;
    if (kept === undefined || parent === NONE) return false;
    let walk = parent;
    while (walk !== NONE && this.depth[walk]! > this.depth[kept]!) walk = this.parent[walk]!;
    if (walk !== kept) return false;
    const before = this.total[kept]! - (this.position[kept] !== 0 ? 1 : 0);
    if (before > this.cut[node]!) this.cut[node] = before;
    return true;
  }

  /** Messages in context at the active leaf. */
  inContext(): number {
    return this.leaf === NONE ? 0 : this.total[this.leaf]! - this.cut[this.leaf]!;
  }

  /** The nodes of the last `count` messages in context on the active branch, oldest first, with their event positions. */
  lastMessages(count: number): Array<{ node: number; position: number }> {
    const out: Array<{ node: number; position: number }> = [];
    if (this.leaf === NONE) return out;
    const floor = this.cut[this.leaf]!;
    for (let node = this.leaf; node !== NONE && out.length < count && this.total[node]! > floor; node = this.parent[node]!) {
      if (this.position[node] !== 0) out.push({ node, position: this.position[node]! });
    }
    return out.reverse();
  }

  private add(parent: number): number {
    if (this.size === this.parent.length) this.grow();
    const node = this.size++;
    this.parent[node] = parent;
    this.depth[node] = parent === NONE ? 0 : this.depth[parent]! + 1;
    this.total[node] = parent === NONE ? 0 : this.total[parent]!;
    this.cut[node] = parent === NONE ? 0 : this.cut[parent]!;
    this.position[node] = 0;
    return node;
  }

  private grow(): void {
    const length = this.parent.length * 2;
    const widen = <T extends Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.parent = widen(this.parent, new Int32Array(length));
    this.depth = widen(this.depth, new Int32Array(length));
    this.total = widen(this.total, new Int32Array(length));
    this.cut = widen(this.cut, new Int32Array(length));
    this.position = widen(this.position, new Float64Array(length));
  }
}

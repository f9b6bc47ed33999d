/**
 * Keeps the best items of a stream under a comparator (smaller is better): at most k of them, and,
 * when items have weights, only as many as fit a capacity (plus the first that does not, which shows
 * that more exist). O(n log k) amortized: items collect in a buffer that is sorted and cut back
 * whenever it doubles. Once the kept set is full, `worst` is its last item and anything not better
 * than it is refused.
 */
export class TopK<T> {
  private items: T[] = [];
  private cutoff: T | undefined;
  private weightHeld = 0;

  constructor(
    private readonly k: number,
    private readonly compare: (a: T, b: T) => number,
    private readonly weight?: (item: T) => number,
    private readonly capacity = Number.POSITIVE_INFINITY,
  ) {}

  /** The last item of the kept set once it is full: nothing at or after it can still be kept. */
  get worst(): T | undefined {
    return this.cutoff;
  }

  /** Offers an item; false when it cannot be among the best. */
  push(item: T): boolean {
    if (this.cutoff !== undefined && this.compare(item, this.cutoff) >= 0) return false;
    this.items.push(item);
    if (this.weight) this.weightHeld += this.weight(item);
    const full = this.cutoff === undefined ? this.items.length >= this.k || this.weightHeld > this.capacity : this.items.length >= 2 * this.k || this.weightHeld > 2 * this.capacity;
    if (full) this.compact();
    return true;
  }

  /** The best items, best first. */
  sorted(): T[] {
    this.items.sort(this.compare);
    this.cut();
    return [...this.items];
  }

  private compact(): void {
    this.items.sort(this.compare);
    if (this.cut()) this.cutoff = this.items[this.items.length - 1];
  }

  /**
   * Keeps the first k items, and of those what fits the capacity plus one more (at least two: a first
   * item too big on its own is still taken, cut down, and the one after it shows that more exist).
   */
  private cut(): boolean {
    let count = Math.min(this.items.length, this.k);
    let full = count >= this.k;
    if (this.weight) {
      let sum = 0;
      for (let i = 0; i < count; i++) {
        if (sum > this.capacity && i >= 2) {
          count = i;
          break;
        }
        sum += this.weight(this.items[i]!);
      }
      this.weightHeld = sum;
      // full once the kept items overflow: the last of them is the one beyond the page, no later item can make it
      full ||= count >= 2 && sum > this.capacity;
    }
    this.items.length = count;
    return full;
  }
}

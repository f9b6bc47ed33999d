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
  /** Weights looked up so far, by item (an item is weighed at most once). */
  private readonly weights = new Map<T, number>();
  private weightHeld = 0;
  private pushedSinceCut = 0;
  private keptAtCut = 0;

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
    if (this.cutoff === undefined) {
      // still filling: weigh each item as it comes, to learn the moment the kept set is full
      if (this.weight) this.weightHeld += this.weightOf(item);
      if (this.items.length >= this.k || this.weightHeld > this.capacity) this.compact();
    } else if (++this.pushedSinceCut >= Math.max(1, this.keptAtCut)) {
      // full: an item that beats the cutoff is weighed only if it is still among the best when the
      // set is next cut back (many are pushed out by better ones first, unweighed), which happens
      // once as many items came as were kept, so sorting stays O(n log k) amortized
      this.compact();
    }
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
    this.pushedSinceCut = 0;
    this.keptAtCut = this.items.length;
  }

  private weightOf(item: T): number {
    let w = this.weights.get(item);
    if (w === undefined) {
      w = this.weight!(item);
      this.weights.set(item, w);
    }
    return w;
  }

  /**
   * Keeps the first k items, and of those what fits the capacity plus one more (at least two: a first
   * item too big on its own is still taken, cut down, and the one after it shows that more exist).
   * Only items up to the cut are weighed.
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
        sum += this.weightOf(this.items[i]!);
      }
      this.weightHeld = sum;
      // full once the kept items overflow: the last of them is the one beyond the page, no later item can make it
      full ||= count >= 2 && sum > this.capacity;
      for (let i = count; i < this.items.length; i++) this.weights.delete(this.items[i]!);
    }
    this.items.length = count;
    return full;
  }
}

/**
 * Keeps the k best items of a stream under a comparator (smaller is better) in O(n log k) amortized:
 * items collect in a buffer that is sorted and cut back to k whenever it doubles. Once k items are
 * held, `worst` is the k-th best and anything not better than it is refused.
 */
export class TopK<T> {
  private items: T[] = [];
  private cutoff: T | undefined;

  constructor(
    private readonly k: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  /** The k-th best item once k are held: nothing at or after it can still be kept. */
  get worst(): T | undefined {
    return this.cutoff;
  }

  /** Offers an item; false when it cannot be among the k best. */
  push(item: T): boolean {
    if (this.cutoff !== undefined && this.compare(item, this.cutoff) >= 0) return false;
    this.items.push(item);
    if (this.items.length >= (this.cutoff === undefined ? this.k : 2 * this.k)) this.compact();
    return true;
  }

  /** The best items, best first (at most k). */
  sorted(): T[] {
    this.items.sort(this.compare);
    if (this.items.length > this.k) this.items.length = this.k;
    return [...this.items];
  }

  private compact(): void {
    this.items.sort(this.compare);
    this.items.length = this.k;
    this.cutoff = this.items[this.k - 1];
  }
}

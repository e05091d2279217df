/**
 * A fixed-capacity FIFO: pushing past capacity drops the oldest item. The console's
 * history keeps one per series, so an hour of 5-second polls (plus the extra polls the
 * event streams trigger) costs a bounded, known amount of memory whatever happens.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Drops items from the oldest end while `predicate` holds (pruning by age). */
  dropWhile(predicate: (item: T) => boolean): void {
    while (this.count > 0 && predicate(this.items[this.start] as T)) {
      this.items[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let index = 0; index < this.count; index++) out.push(this.items[(this.start + index) % this.capacity] as T);
    return out;
  }
}

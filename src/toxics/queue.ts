import type { StageContext } from './types.js';

/**
 * A FIFO that does not shift arrays: a head index into a plain array, compacted when half used.
 * Stages keep parallel queues (chunks and due times) so nothing is allocated per chunk.
 */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Replaces the head in place (a partly sent chunk). */
  replaceHead(item: T): void {
    this.items[this.head] = item;
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}

/**
 * The flush() of a stage that queues chunks: everything queued goes on now, in order, then the
 * end if the stage was holding it, and the stage reports that it holds nothing.
 */
export function handBack(queue: Queue<Buffer>, ctx: StageContext, ended: boolean): void {
  const now = ctx.now();
  for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) ctx.push(chunk, now);
  ctx.hold(0);
  if (ended) ctx.end();
}

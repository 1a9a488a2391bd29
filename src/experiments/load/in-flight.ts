/**
 * A request in flight. Records are reused once settled, so the per-request path allocates
 * none; `generation` tells a late callback (an https request's, after a timeout) that its
 * record has moved on.
 */
export class Pending {
  /** Intended send time and actual send time, ms since the run's start. */
  intended = 0;
  sentAt = 0;
  method = 'GET';
  generation = 0;
  /**
   * How to give up on it (set when sent). It and `conn` outlive the record's removal, so the
   * sweep and stop() can cancel a request after taking it out; `add` clears both.
   */
  cancel: ((p: Pending) => void) | null = null;
  /** The pooled connection it went out on, for `cancel`. */
  conn: unknown = null;
  prev: Pending | null = null;
  next: Pending | null = null;
  linked = false;
}

/**
 * Requests in flight in send order, so the timeout sweep reads only the expired ones at the
 * front, and any one leaves in constant time; plus the free records.
 */
export class InFlight {
  head: Pending | null = null;
  private tail: Pending | null = null;
  size = 0;
  private readonly free: Pending[] = [];

  /** A record for a new request, appended as the newest. */
  add(intended: number, sentAt: number, method: string): Pending {
    const p = this.free.pop() ?? new Pending();
    p.intended = intended;
    p.sentAt = sentAt;
    p.method = method;
    p.cancel = null;
    p.conn = null;
    p.prev = this.tail;
    p.next = null;
    p.linked = true;
    if (this.tail === null) this.head = p;
    else this.tail.next = p;
    this.tail = p;
    this.size++;
    return p;
  }

  /** Takes `p` out; false when it had left already. The record is recycled by the next `add`. */
  remove(p: Pending): boolean {
    if (!p.linked) return false;
    if (p.prev === null) this.head = p.next;
    else p.prev.next = p.next;
    if (p.next === null) this.tail = p.prev;
    else p.next.prev = p.prev;
    p.prev = p.next = null;
    p.linked = false;
    p.generation++;
    this.size--;
    this.free.push(p);
    return true;
  }
}

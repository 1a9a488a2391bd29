import type { Plan } from '../decide.js';
import type { CodecRequest } from './codec.js';

/** What happens to a request in the FIFO: its reply comes from upstream, or from here. */
export const enum Fate {
  /** Forwarded; the upstream's reply is delivered in its turn. */
  Forward,
  /** Answered here (a toxic's answer or the codec's local answer). */
  Answer,
  /** Swallowed: no answer, and nothing after it is answered either. */
  Hang,
  /** The connection is closed or reset in its turn. */
  Abort,
}

/** One request on the connection, from its identification until its reply has gone out. */
export interface PipelineEntry {
  readonly view: CodecRequest;
  readonly fate: Fate;
  /** What toxics decided; null when none acted (the common case). */
  readonly plan: Plan | null;
  /** The answer, for Fate.Answer. */
  answer: Buffer | null;
  /** The connection closes after the answer (PostgreSQL FATAL) or the abort; reset for an abort with `reset`. */
  close: boolean;
  reset: boolean;
  /** When an answer or an abort may go out (after a held request's delay). */
  readyAt: number;
  /** The response delay was applied to this entry's reply. */
  delayed: boolean;
  next: PipelineEntry | null;
}

/**
 * The requests awaiting their reply, oldest first: a linked list through the entries, so
 * queueing allocates nothing beyond the entry.
 */
export class PipelineFifo {
  private first: PipelineEntry | null = null;
  private last: PipelineEntry | null = null;
  length = 0;

  peek(): PipelineEntry | null {
    return this.first;
  }

  push(entry: PipelineEntry): void {
    if (this.last === null) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
    this.length++;
  }

  shift(): PipelineEntry | null {
    const entry = this.first;
    if (entry === null) return null;
    this.first = entry.next;
    if (this.first === null) this.last = null;
    entry.next = null;
    this.length--;
    return entry;
  }

  /** Whether an answer or an abort waits anywhere in the queue. */
  hasInjected(): boolean {
    for (let e = this.first; e !== null; e = e.next) if (e.fate !== Fate.Forward) return true;
    return false;
  }

  clear(): void {
    while (this.shift() !== null);
  }
}

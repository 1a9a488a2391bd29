import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Stream } from '../api/toxic.js';
import type { Stage, StageContext } from '../toxics/types.js';
import { Random } from './random.js';
import { kSinkOf, kSourceOf } from './symbols.js';
import type { ToxicEntry } from './toxic-entry.js';

/**
 * What a link needs from the connection it belongs to, handed down rather than reached for
 * (the link knows nothing of connections or proxies).
 */
export interface LinkOwner {
  /** The seed of one random stream of this connection, stable for a given server seed. */
  seedFor(toxicName: string, purpose: string): number;
  /** A toxic's toxicity roll for this connection was made. */
  toxicRolled(entry: ToxicEntry, applied: boolean): void;
  /** Closes both sockets gracefully. */
  close(): void;
  /** Resets both sockets. */
  reset(): void;
  /** Resets the connection once what `sink` was given has gone to the kernel. */
  resetWhenFlushed(sink: Socket): void;
}

/**
 * A stage's place on a link, and its context: `push` and `end` go to the next active slot or to
 * the sink.
 */
abstract class StageSlot implements StageContext {
  stage: Stage | null = null;
  next: StageSlot | null = null;
  private held = 0;
  private over = false;
  /** An end is passed on once, even if the stage both closes and later sees the source end. */
  private ended = false;

  constructor(readonly link: Link) {}

  abstract get highWaterMark(): number;

  abstract random(): number;

  /** Hands back what the stage holds, then forgets it. */
  stop(flush: boolean): void {
    const stage = this.stage;
    if (stage === null) return;
    if (flush) stage.flush();
    stage.dispose();
    this.stage = null;
    this.hold(0);
  }

  push(chunk: Buffer, at: number): void {
    if (this.stage === null) return;
    const next = this.next;
    if (next === null) this.link.write(chunk);
    else (next.stage as Stage).onData(chunk, at);
  }

  end(): void {
    if (this.stage === null || this.ended) return;
    this.ended = true;
    const next = this.next;
    if (next === null) this.link.endSink();
    else (next.stage as Stage).onEnd();
  }

  hold(bytes: number): void {
    // A stopped stage's late report must not pause a source it no longer feeds.
    if (this.stage === null && bytes !== 0) return;
    this.link.heldBytes += bytes - this.held;
    this.held = bytes;
    const over = bytes > this.highWaterMark;
    if (over !== this.over) {
      this.over = over;
      this.link.stagesOverLimit += over ? 1 : -1;
      this.link.updateFlow();
    }
  }

  /**
   * Closes as Toxiproxy's closed stub does: the end travels down the rest of this direction's
   * chain behind the data already pushed, and the connection closes once it reaches the sink.
   */
  close(): void {
    if (this.stage === null) return;
    this.link.closeConnectionAtEnd = true;
    this.end();
  }

  reset(): void {
    if (this.stage !== null) this.link.owner.reset();
  }

  now(): number {
    return performance.now();
  }

  shared(): Record<string, unknown> {
    return {};
  }
}

/** One toxic's slot. A slot whose toxicity roll failed has no stage and is skipped. */
class Slot extends StageSlot {
  private readonly rng: Random;

  constructor(
    link: Link,
    readonly entry: ToxicEntry,
    /** Rolled once per connection and toxic; the toxic applies while roll < toxicity. */
    readonly roll: number,
    seed: number,
  ) {
    super(link);
    this.rng = new Random(seed);
  }

  random(): number {
    return this.rng.next();
  }

  get highWaterMark(): number {
    return this.entry.impl.highWaterMark;
  }

  get shouldRun(): boolean {
    return this.roll < this.entry.toxicity;
  }

  start(): void {
    this.stage = this.entry.impl.create(this.entry.attributes as never, this);
  }

  override shared(): Record<string, unknown> {
    return this.entry.shared.data;
  }
}

/** The framer of a protocol proxy: ahead of every toxic, for the life of the connection. */
export class FramerSlot extends StageSlot {
  static readonly HIGH_WATER_MARK = 1024 * 1024;
  private rng: Random | null = null;

  get highWaterMark(): number {
    return FramerSlot.HIGH_WATER_MARK;
  }

  random(): number {
    this.rng ??= new Random(this.link.owner.seedFor('', `framer:${this.link.direction}`));
    return this.rng.next();
  }

  attach(stage: Stage): void {
    this.stage = stage;
  }
}

function onSourceData(this: Socket, chunk: Buffer): void {
  (this[kSourceOf] as Link).receive(chunk);
}

/** The zero-length write that asks the kernel whether a socket was reset, or waits behind a queue. */
export const NOTHING = Buffer.alloc(0);

/**
 * libuv reports a plain end of stream when a peer's last bytes and its reset are read in one
 * poll (it sees POLLHUP after a short read and never reads the pending ECONNRESET), so a reset
 * can arrive as 'end'. Passed on as it is, the other peer would get a FIN where a direct
 * connection shows an RST. A zero-length write asks the kernel: on a reset socket it fails with
 * ECONNRESET and the socket's error handler passes the reset on; on a half-closed one it
 * succeeds and sends nothing. The probe waits behind any queued write, so it is made only when
 * nothing is queued; with a backlog, that backlog's own write reports the reset soon after.
 */
function onSourceEnd(this: Socket): void {
  const link = this[kSourceOf] as Link;
  if (this.writableLength === 0 && this.writable && !this.writableEnded) {
    this.write(NOTHING, (err) => {
      if (err == null) link.receiveEnd();
    });
  } else {
    link.receiveEnd();
  }
}

function onSinkDrain(this: Socket): void {
  const link = this[kSinkOf] as Link;
  link.sinkBlocked = false;
  link.updateFlow();
}

/**
 * One direction of a connection: source socket → active stages → sink socket. With no active
 * stage, chunks go straight from the source's `data` event to the sink's `write`.
 */
export class Link {
  private readonly slots: Slot[] = [];
  private head: StageSlot | null = null;
  /** Frames this direction into messages on a protocol proxy; null on a tcp one. */
  readonly framer: FramerSlot | null;
  bytesIn = 0;
  bytesOut = 0;
  sinkBlocked = false;
  stagesOverLimit = 0;
  /** Bytes all stages hold together, as they report them. */
  heldBytes = 0;
  private paused = false;
  private sinkEnded = false;
  private endReceived = false;
  /** Set when a stage closes the connection: the end reaching the sink closes both sockets. */
  closeConnectionAtEnd = false;
  /** Set when the source was reset: the end reaching the sink resets the connection. */
  resetConnectionAtEnd = false;

  constructor(
    readonly owner: LinkOwner,
    readonly direction: Stream,
    readonly source: Socket,
    readonly sink: Socket,
    toxics: readonly ToxicEntry[],
    framed: boolean,
  ) {
    source[kSourceOf] = this;
    sink[kSinkOf] = this;
    this.framer = framed ? new FramerSlot(this) : null;
    for (const entry of toxics) if (entry.level === 'stream') this.slots.push(this.makeSlot(entry));
    this.relink();
    source.on('data', onSourceData);
    source.on('end', onSourceEnd);
    sink.on('drain', onSinkDrain);
  }

  private makeSlot(entry: ToxicEntry): Slot {
    const roll = new Random(this.owner.seedFor(entry.name, 'roll')).next();
    const slot = new Slot(this, entry, roll, this.owner.seedFor(entry.name, 'stage'));
    if (slot.shouldRun) this.startSlot(slot);
    else this.owner.toxicRolled(entry, false);
    return slot;
  }

  private startSlot(slot: Slot): void {
    slot.start();
    slot.entry.activations++;
    this.owner.toxicRolled(slot.entry, true);
  }

  /** Which toxics act on this link: the roll decided it for this connection. */
  get activeToxics(): string[] {
    return this.slots.filter((s) => s.stage !== null).map((s) => s.entry.name);
  }

  private relink(): void {
    let next: StageSlot | null = null;
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i] as Slot;
      slot.next = next;
      if (slot.stage !== null) next = slot;
    }
    if (this.framer !== null) {
      this.framer.next = next;
      if (this.framer.stage !== null) next = this.framer;
    }
    this.head = next;
  }

  /** Puts the framer's stage in place once the connection has built its message layer. */
  attachFramer(stage: Stage): void {
    this.framer?.attach(stage);
    this.relink();
  }

  /**
   * Whether nothing refers to the last chunk read any more: no stage holds data (stages that
   * keep a chunk report it with hold()) and the sink handed every write to the kernel (a queued
   * or partial write keeps a reference).
   */
  get holdsNothing(): boolean {
    return this.heldBytes === 0 && this.sink.writableLength === 0;
  }

  /**
   * The source was reset. The reset goes down the chain as an end would, behind the data this
   * direction already holds, and resets the connection when it reaches the sink.
   */
  receiveReset(): void {
    this.resetConnectionAtEnd = true;
    // A FIN before the reset is already on its way down the chain, or past it.
    if (this.sinkEnded) this.owner.resetWhenFlushed(this.sink);
    else if (!this.endReceived) this.receiveEnd();
  }

  receive(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    const head = this.head;
    if (head === null) this.write(chunk);
    else (head.stage as Stage).onData(chunk, performance.now());
  }

  receiveEnd(): void {
    this.endReceived = true;
    const head = this.head;
    if (head === null) this.endSink();
    else (head.stage as Stage).onEnd();
  }

  write(chunk: Buffer): void {
    if (this.sinkEnded) return;
    this.bytesOut += chunk.length;
    if (!this.sink.write(chunk) && !this.sinkBlocked) {
      this.sinkBlocked = true;
      this.updateFlow();
    }
  }

  endSink(): void {
    if (this.sinkEnded) return;
    this.sinkEnded = true;
    if (this.resetConnectionAtEnd) this.owner.resetWhenFlushed(this.sink);
    else if (this.closeConnectionAtEnd) this.owner.close();
    else if (!this.sink.destroyed) this.sink.end();
  }

  /** The source is paused while the sink is full or any stage holds more than its limit. */
  updateFlow(): void {
    const pause = this.sinkBlocked || this.stagesOverLimit > 0;
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.source.pause();
    else if (!this.source.destroyed) this.source.resume();
  }

  /** Nothing more may reach the sink: the connection is closing. */
  shut(): void {
    this.sinkEnded = true;
    this.framer?.stop(false);
    for (const slot of this.slots) slot.stop(false);
    this.head = null;
  }

  /** Appends a byte-level toxic (toxics are always added at the end of their chain). */
  addToxic(entry: ToxicEntry): void {
    if (entry.level !== 'stream') return;
    this.slots.push(this.makeSlot(entry));
    this.relink();
  }

  /** Removes a toxic: what its stage holds goes on to the next stage before it is unlinked. */
  removeToxic(entry: ToxicEntry): void {
    const index = this.slots.findIndex((s) => s.entry === entry);
    const slot = this.slots[index];
    if (slot === undefined) return;
    slot.stop(true);
    this.slots.splice(index, 1);
    this.relink();
  }

  /** Applies a changed toxicity or attributes; the roll itself never changes. */
  updateToxic(entry: ToxicEntry): void {
    const slot = this.slots.find((s) => s.entry === entry);
    if (slot === undefined) return;
    const running = slot.stage !== null;
    if (running && slot.shouldRun) {
      const stage = slot.stage as Stage;
      if (stage.update !== undefined) {
        stage.update(slot.entry.attributes as never);
        return;
      }
      slot.stop(true);
      this.relink();
      slot.start();
    } else if (running) {
      slot.stop(true);
    } else if (slot.shouldRun) {
      this.startSlot(slot);
    }
    this.relink();
  }
}

import { connect, Socket } from 'node:net';
import type { Protocol } from '../api/protocols.js';
import type { Stream } from '../api/toxic.js';
import { createMessageLayer, type CodecOptions, type FiredFault, type HeaderFaultGate, type MessageHost, type MessageLayer } from '../protocols/index.js';
import { Link, NOTHING, type LinkOwner } from './link.js';
import { hash32, Random } from './random.js';
import { ReadBuffer } from './read-buffer.js';
import { kConnection, kReadBuffer, kSourceOf } from './symbols.js';
import type { ToxicEntry } from './toxic-entry.js';

/** How long a closing connection may take to hand its last bytes to the kernel. */
const CLOSE_GRACE_MS = 5_000;

function onSocketError(this: Socket, err: NodeJS.ErrnoException): void {
  this[kConnection]?.abort(this, err);
}

function onSocketClose(this: Socket): void {
  this[kConnection]?.socketClosed();
}

function onUpstreamConnect(this: Socket): void {
  this[kConnection]?.upstreamConnected();
}

/** Node's `onread` callback: the bytes read are `buffer[0, nread)`. */
function onSocketRead(this: Socket, nread: number, buffer: Buffer): boolean {
  (this[kReadBuffer] as ReadBuffer).lastRead = nread;
  (this[kSourceOf] as Link).receive(buffer.subarray(0, nread));
  return true;
}

/**
 * Node gives `onread` only to sockets it creates from options, not to the ones a server
 * accepts. So the accepted socket's handle moves into a socket made with `onread`, and the
 * empty shell is destroyed, which only releases the server's count of it. If a future Node
 * lays its sockets out differently, the accepted socket is used as it is.
 */
function adopt(accepted: Socket, onread: { buffer: () => Buffer; callback: typeof onSocketRead }): Socket {
  const shell = accepted as unknown as { _handle?: unknown };
  const handle = shell._handle;
  if (handle === null || typeof handle !== 'object') return accepted;
  shell._handle = null;
  accepted.destroy();
  const options = { handle, allowHalfOpen: true, readable: true, writable: true, pauseOnCreate: true, onread };
  return new Socket(options as ConstructorParameters<typeof Socket>[0]);
}

function destroySocket(this: Socket): void {
  this.destroy();
}

function endThenDestroy(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', destroySocket);
  socket.end();
  setTimeout(destroySocket.bind(socket), CLOSE_GRACE_MS).unref();
}

/**
 * What a connection needs from the proxy that accepted it, handed down as an interface so the
 * connection does not depend on the proxy's class (the proxy implements it).
 */
export interface ConnectionOwner {
  readonly name: string;
  readonly seed: number;
  /** How new connections are framed. */
  readonly protocol: Protocol;
  readonly toxics: { readonly upstream: readonly ToxicEntry[]; readonly downstream: readonly ToxicEntry[] };
  readonly requestToxics: readonly ToxicEntry[];
  readonly headerFaultGate: HeaderFaultGate | null;
  /** What a new connection's codec reads (PostgreSQL's and MySQL's `tls`). */
  readonly codecOptions: CodecOptions;
  toxicRolled(connection: Connection, entry: ToxicEntry, applied: boolean): void;
  faultFired(connection: Connection, fault: FiredFault): void;
  framingStopped(connection: Connection, reason: string): void;
  connectionFailed(connection: Connection, from: Socket, err: NodeJS.ErrnoException): void;
  connectionClosed(connection: Connection): void;
}

/**
 * A client accepted by a proxy and its connection to the upstream. The client is accepted
 * paused and read only once the upstream answers, so nothing is buffered while dialling.
 */
export class Connection implements MessageHost, LinkOwner {
  readonly openedAt = Date.now();
  readonly clientAddress: string;
  upstream: Socket | null = null;
  upLink: Link | null = null;
  downLink: Link | null = null;
  readonly client: Socket;
  private readonly clientBuffer = new ReadBuffer();
  private readonly upstreamBuffer = new ReadBuffer();
  // Bound once per connection: Node asks for the next read's buffer after every read, and a
  // buffer is read into again only when its link holds no reference to the last chunk.
  private readonly nextClientBuffer = (): Buffer => this.clientBuffer.next(this.upLink?.holdsNothing ?? false);
  private readonly nextUpstreamBuffer = (): Buffer => this.upstreamBuffer.next(this.downLink?.holdsNothing ?? false);
  private openSockets = 1;
  private finished = false;
  private messages: MessageLayer | null = null;
  /** Request-level toxics' toxicity rolls, made once per connection when first needed. */
  private rolls: Map<ToxicEntry, number> | null = null;
  /** Bounds a reset passed on behind held data (resetBehindData). */
  private resetTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly proxy: ConnectionOwner,
    readonly id: number,
    accepted: Socket,
  ) {
    const client = adopt(accepted, { buffer: this.nextClientBuffer, callback: onSocketRead });
    if (client !== accepted) client[kReadBuffer] = this.clientBuffer;
    this.client = client;
    this.clientAddress = `${client.remoteAddress ?? '?'}:${client.remotePort ?? 0}`;
    client[kConnection] = this;
    client.on('error', onSocketError);
    client.on('close', onSocketClose);
  }

  /** The seed of one random stream of this connection, stable for a given server seed. */
  seedFor(toxicName: string, purpose: string): number {
    return hash32(this.proxy.seed, this.proxy.name, this.id, toxicName, purpose);
  }

  dial(host: string, port: number): void {
    const upstream = connect({
      host,
      port,
      allowHalfOpen: true,
      noDelay: true,
      onread: { buffer: this.nextUpstreamBuffer, callback: onSocketRead },
    });
    upstream[kReadBuffer] = this.upstreamBuffer;
    this.upstream = upstream;
    this.openSockets++;
    upstream[kConnection] = this;
    upstream.on('error', onSocketError);
    upstream.on('close', onSocketClose);
    upstream.once('connect', onUpstreamConnect);
  }

  upstreamConnected(): void {
    const upstream = this.upstream as Socket;
    const toxics = this.proxy.toxics;
    const framed = this.proxy.protocol !== 'tcp';
    const upLink = (this.upLink = new Link(this, 'upstream', this.client, upstream, toxics.upstream, framed));
    const downLink = (this.downLink = new Link(this, 'downstream', upstream, this.client, toxics.downstream, framed));
    if (upLink.framer !== null && downLink.framer !== null) {
      this.messages = createMessageLayer(this.proxy.protocol, this, upLink.framer, downLink.framer);
      if (this.messages !== null) {
        upLink.attachFramer(this.messages.upstream);
        downLink.attachFramer(this.messages.downstream);
      }
    }
    this.client.resume();
  }

  toxicRolled(entry: ToxicEntry, applied: boolean): void {
    this.proxy.toxicRolled(this, entry, applied);
  }

  /** The toxicity roll of a request-level toxic for this connection, as a stage's would be. */
  applies(entry: ToxicEntry): boolean {
    this.rolls ??= new Map();
    let roll = this.rolls.get(entry);
    if (roll === undefined) {
      roll = new Random(this.seedFor(entry.name, 'roll')).next();
      this.rolls.set(entry, roll);
    }
    return roll < entry.toxicity;
  }

  // The message layer's view of this connection and its proxy (MessageHost).
  requestToxics(): readonly ToxicEntry[] {
    return this.proxy.requestToxics;
  }

  faultFired(fault: FiredFault): void {
    this.proxy.faultFired(this, fault);
  }

  framingStopped(reason: string): void {
    this.proxy.framingStopped(this, reason);
  }

  get headerFaults(): HeaderFaultGate | null {
    return this.proxy.headerFaultGate;
  }

  get codecOptions(): CodecOptions {
    return this.proxy.codecOptions;
  }

  link(stream: Stream): Link | null {
    return stream === 'upstream' ? this.upLink : this.downLink;
  }

  /** The byte counts of one direction, as Toxiproxy's metrics name them. */
  bytes(stream: Stream): { received: number; sent: number } {
    const link = this.link(stream);
    return { received: link?.bytesIn ?? 0, sent: link?.bytesOut ?? 0 };
  }

  /** Which toxics act on this connection in each direction, by the rolls made for it. */
  get activeToxics(): { upstream: string[]; downstream: string[] } {
    const requestLevel = (stream: Stream): string[] =>
      this.messages === null ? [] : this.proxy.requestToxics.filter((t) => t.stream === stream && this.applies(t)).map((t) => t.name);
    return {
      upstream: [...(this.upLink?.activeToxics ?? []), ...requestLevel('upstream')],
      downstream: [...(this.downLink?.activeToxics ?? []), ...requestLevel('downstream')],
    };
  }

  private shutLinks(): void {
    this.upLink?.shut();
    this.downLink?.shut();
    if (this.messages !== null) {
      this.messages.dispose();
      this.messages = null;
    }
  }

  /**
   * A socket failed. A reset from one peer is passed to the other as a reset, so each side sees
   * what a direct connection would have shown it; any other failure closes both.
   */
  abort(from: Socket, err: NodeJS.ErrnoException): void {
    const other = from === this.client ? this.upstream : this.client;
    const onward = from === this.client ? this.upLink : this.downLink;
    if (err.code === 'ECONNRESET' && onward !== null && !onward.holdsNothing && other !== null && !other.destroyed) {
      this.resetBehindData(from, onward, err);
      return;
    }
    this.shutLinks();
    if (other !== null && !other.destroyed) {
      if (err.code === 'ECONNRESET') other.resetAndDestroy();
      else other.destroy();
    }
    from.destroy();
    this.proxy.connectionFailed(this, from, err);
  }

  /**
   * A reset from a peer whose earlier bytes this proxy still holds (a latency toxic's queue, a
   * client slow to read): they go on first, then the reset, as they would arrive over a direct
   * connection. Toxiproxy delivers them and closes with a FIN; dropping them would lose bytes
   * the peer had sent. The other direction stops at once: its sink is gone. Bounded by
   * CLOSE_GRACE_MS, for a stage that holds the end back or a peer that stops reading.
   */
  private resetBehindData(from: Socket, onward: Link, err: NodeJS.ErrnoException): void {
    const back = onward === this.upLink ? this.downLink : this.upLink;
    back?.shut();
    onward.sink.pause();
    from.destroy();
    this.proxy.connectionFailed(this, from, err);
    this.resetTimer = setTimeout(() => this.reset(), CLOSE_GRACE_MS);
    this.resetTimer.unref();
    onward.receiveReset();
  }

  /** The reset has reached `sink` behind the data before it: resets once that data is written. */
  resetWhenFlushed(sink: Socket): void {
    if (sink.destroyed) return;
    if (sink.writableLength === 0) this.reset();
    // Its FIN was already on the way (the peer half-closed, then reset): after that, no write.
    else if (sink.writableEnded) sink.once('finish', () => this.reset());
    else sink.write(NOTHING, () => this.reset());
  }

  /** Closes gracefully: bytes already written go out, then both peers see the close. */
  close(): void {
    this.shutLinks();
    endThenDestroy(this.client);
    if (this.upstream !== null) endThenDestroy(this.upstream);
  }

  /** Both peers get a TCP RST. */
  reset(): void {
    this.shutLinks();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (this.upstream !== null && !this.upstream.destroyed) this.upstream.resetAndDestroy();
  }

  /** Closes at once, as disabling or deleting the proxy does. */
  destroy(): void {
    this.shutLinks();
    this.client.destroy();
    this.upstream?.destroy();
  }

  socketClosed(): void {
    this.openSockets--;
    if (this.openSockets > 0 || this.finished) return;
    this.finished = true;
    if (this.resetTimer !== null) clearTimeout(this.resetTimer);
    this.shutLinks();
    this.proxy.connectionClosed(this);
  }
}

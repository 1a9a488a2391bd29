import { connect, type Socket } from 'node:net';
import { ChunkedScanner } from '../../protocols/http/chunked.js';
import { findHeadEnd, parseResponseHead } from '../../protocols/http/head.js';

/** What the pool needs of a request besides its bytes: HEAD answers carry no body. */
export interface Exchange {
  method: string;
}

/** How one request ended: a status, or why there is none (`ECONNRESET`, `bad response`). */
export type Settle<T> = (request: T, status: number, error: string | null) => void;

const MAX_HEAD = 64 * 1024;
/** One read buffer per pool: every read is framed before the next one lands in it. */
const READ_BUFFER = 64 * 1024;

const enum State {
  Idle,
  Head,
  Length,
  Chunked,
  UntilClose,
}

/**
 * One keep-alive connection. It normally carries one request at a time; only when the pool is
 * at its connection limit does it take more, pipelined, answered in order. The response is
 * framed with the proxy's own HTTP/1.x parser (src/protocols/http: byte scanning in place, no
 * header objects), and its body is counted, never kept.
 */
class Conn<T extends Exchange> {
  state = State.Idle;
  /** Sent and not yet answered, oldest first. */
  readonly queue: T[] = [];
  status = 0;
  remaining = 0;
  closeAfter = false;
  partial: Buffer | null = null;
  scanner: ChunkedScanner | null = null;
  closed = false;
  /** Requests pipelined during the current batch, written together at its end. */
  held: Buffer[] | null = null;
  readonly socket: Socket;

  constructor(
    readonly pool: Http1Pool<T>,
    host: string,
    port: number,
  ) {
    // onread: reads land in the pool's buffer and come straight here, without a stream push,
    // a Buffer per read or a 'data' event.
    this.socket = connect({ host, port, noDelay: true, onread: { buffer: pool.readBuffer, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf) } });
    this.socket.on('end', () => this.onClose('ECONNRESET'));
    this.socket.on('close', () => this.onClose('ECONNRESET'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.onClose(err.code ?? 'error'));
  }

  send(request: T, bytes: Buffer, batching: boolean): void {
    this.queue.push(request);
    if (this.state === State.Idle) this.state = State.Head;
    else if (batching) {
      // Pipelined during a batch: one write (one syscall) for all of them when it ends, rather
      // than a trip through the socket's stream for each.
      if (this.held === null) {
        this.held = [];
        this.pool.holding.push(this);
      }
      this.held.push(bytes);
      return;
    }
    this.socket.write(bytes);
  }

  /** Writes what the batch held back. */
  writeHeld(): void {
    const held = this.held as Buffer[];
    this.held = null;
    if (!this.closed) this.socket.write(held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held));
  }

  /** Frames one read; true keeps the socket reading. */
  private onRead(n: number, buf: Uint8Array): boolean {
    this.frame((buf as Buffer).subarray(0, n), n);
    return true;
  }

  /** `chunk` is a view bounded by this read, so the head scanners never see stale bytes past it. */
  private frame(chunk: Buffer, n: number): void {
    let off = 0;
    while (off < n && !this.closed) {
      switch (this.state) {
        case State.Idle:
          // Bytes nobody asked for: the connection cannot be trusted to stay in step.
          return this.fail('bad response');
        case State.Head:
          off = this.head(chunk, off);
          if (off < 0) return;
          break;
        case State.Length: {
          const k = Math.min(this.remaining, n - off);
          this.remaining -= k;
          off += k;
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.Chunked: {
          const end = (this.scanner as ChunkedScanner).scan(chunk, off, n);
          if (end === -2) return this.fail('bad response');
          if (end === -1) return;
          off = end;
          this.complete();
          break;
        }
        case State.UntilClose:
          return;
      }
    }
  }

  /** Reads a header section from `chunk[off…]`; returns where the body starts, or -1 to wait. */
  private head(chunk: Buffer, off: number): number {
    let buf = chunk;
    let start = off;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk.subarray(off)]);
      start = 0;
    }
    const end = findHeadEnd(buf, start);
    if (end < 0) {
      if (buf.length - start > MAX_HEAD) this.fail('bad response');
      // Copied: the read buffer is the pool's and the next read overwrites it.
      else this.partial = Buffer.from(buf.subarray(start));
      return -1;
    }
    const consumed = this.partial === null ? end : end - this.partial.length + off;
    this.partial = null;
    const head = parseResponseHead(buf, start, end, (this.queue[0] as T).method);
    if (head === null || head === 'invalid-length') {
      this.fail('bad response');
      return -1;
    }
    if (head.status >= 100 && head.status < 200) {
      // An interim answer (100 Continue): the final one follows on the same connection.
      if (head.status === 101) this.fail('bad response');
      return head.status === 101 ? -1 : consumed;
    }
    this.status = head.status;
    this.closeAfter = asksToClose(buf, start, end);
    switch (head.framing.kind) {
      case 'none':
        this.complete();
        break;
      case 'length':
        this.state = State.Length;
        this.remaining = head.framing.length;
        break;
      case 'chunked':
        this.state = State.Chunked;
        (this.scanner ??= new ChunkedScanner()).reset();
        break;
      case 'close':
        this.state = State.UntilClose;
        this.closeAfter = true;
        break;
    }
    return consumed;
  }

  private complete(): void {
    const request = this.queue.shift() as T;
    if (this.closeAfter) {
      // Requests pipelined behind this answer were never read by the server.
      const rest = this.queue.splice(0);
      this.destroy();
      this.pool.settle(request, this.status, null);
      for (const r of rest) this.pool.settle(r, 0, 'ECONNRESET');
      return;
    }
    if (this.queue.length === 0) {
      this.state = State.Idle;
      this.pool.release(this);
    } else this.state = State.Head;
    this.pool.settle(request, this.status, null);
  }

  fail(why: string): void {
    const lost = this.queue.splice(0);
    this.destroy();
    for (const r of lost) this.pool.settle(r, 0, why);
  }

  private onClose(code: string): void {
    if (this.closed) return;
    if (this.state === State.UntilClose) return this.complete();
    this.fail(code);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = State.Idle;
    this.pool.forget(this);
    this.socket.destroy();
  }
}

/**
 * Whether the header section `buf[start, end)` carries `Connection: close`. It walks the lines
 * of this section only: the read may hold many pipelined answers after it.
 */
function asksToClose(buf: Buffer, start: number, end: number): boolean {
  for (let i = buf.indexOf(10, start) + 1; i > 0 && i < end; ) {
    const lf = buf.indexOf(10, i);
    // Cheap tests first: a name of 10 letters starting with c; most lines stop here.
    if (((buf[i] as number) | 0x20) === 0x63 && buf[i + 10] === 0x3a && buf.toString('latin1', i, i + 10).toLowerCase() === 'connection') {
      if (/(^|[\s,])close($|[\s,])/i.test(buf.toString('latin1', i + 11, lf < 0 ? end : lf))) return true;
    }
    if (lf < 0) break;
    i = lf + 1;
  }
  return false;
}

/**
 * Keep-alive HTTP/1.1 connections to one origin for the load generator, over raw sockets:
 * node:http's client spent most of the generator's CPU on objects per request (request,
 * response, header maps, streams) that an open-model generator does not need. Requests are
 * pre-rendered bytes. Idle connections are reused newest first, so a steady rate keeps few
 * sockets warm; a request finding none idle opens another, up to `maxConnections`. At that
 * limit it is pipelined behind the busy ones in turn, so it is still sent on time and a stalled
 * server still sees every request; its latency then includes the wait behind the others, as
 * it is taken from the intended send time anyway.
 */
export class Http1Pool<T extends Exchange> {
  private readonly idle: Conn<T>[] = [];
  /** Open connections, for the round-robin pick at the limit. */
  private readonly open: Conn<T>[] = [];
  private next = 0;
  private batching = false;
  /** Connections holding writes until the batch ends. */
  readonly holding: Conn<T>[] = [];
  readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER);

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxConnections: number,
    readonly settle: Settle<T>,
  ) {}

  get connections(): number {
    return this.open.length;
  }

  /** Requests sent until `flush()` may share a write per connection. */
  batch(): void {
    this.batching = true;
  }

  flush(): void {
    this.batching = false;
    for (const conn of this.holding) conn.writeHeld();
    this.holding.length = 0;
  }

  /** Sends `bytes`, the whole of `request`; returns a handle that `abort` takes. */
  request(request: T, bytes: Buffer): Conn<T> {
    let conn = this.idle.pop();
    if (conn === undefined) {
      if (this.open.length < this.maxConnections) {
        conn = new Conn(this, this.host, this.port);
        this.open.push(conn);
      } else {
        if (this.next >= this.open.length) this.next = 0;
        conn = this.open[this.next++] as Conn<T>;
      }
    }
    conn.send(request, bytes, this.batching);
    return conn;
  }

  /**
   * Gives up on a request (a timeout): its connection is closed, as its answer may still come.
   * Requests pipelined behind it on that connection fail with it.
   */
  abort(conn: Conn<T>, request: T): void {
    const i = conn.queue.indexOf(request);
    if (i < 0) return;
    conn.queue.splice(i, 1);
    conn.fail('ECONNRESET');
  }

  release(conn: Conn<T>): void {
    this.idle.push(conn);
  }

  forget(conn: Conn<T>): void {
    let i = this.open.indexOf(conn);
    if (i >= 0) this.open.splice(i, 1);
    i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  destroy(): void {
    for (const conn of [...this.open]) conn.destroy();
  }
}

export type { Conn as PooledConnection };

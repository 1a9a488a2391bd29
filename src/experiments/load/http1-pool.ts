import { connect, type Socket } from 'node:net';
import { ChunkedScanner } from '../../protocols/http/chunked.js';
import { findHeadEnd, parseResponseHead } from '../../protocols/http/head.js';

/** How one request ended: a status, or why there is none (`ECONNRESET`, `bad response`). */
export type Outcome = (status: number, error: string | null) => void;

const MAX_HEAD = 64 * 1024;

const enum State {
  Idle,
  Head,
  Length,
  Chunked,
  UntilClose,
}

/**
 * One keep-alive connection, carrying one request at a time. The response is framed with the
 * proxy's own HTTP/1.x parser (src/protocols/http: byte scanning in place, no header objects),
 * and its body is counted, never kept.
 */
class Conn {
  state = State.Idle;
  done: Outcome | null = null;
  method = 'GET';
  status = 0;
  remaining = 0;
  closeAfter = false;
  partial: Buffer | null = null;
  scanner: ChunkedScanner | null = null;
  closed = false;

  constructor(
    readonly socket: Socket,
    private readonly pool: Http1Pool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onClose('ECONNRESET'));
    socket.on('close', () => this.onClose('ECONNRESET'));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onClose(err.code ?? 'error'));
  }

  send(bytes: Buffer, method: string, done: Outcome): void {
    this.method = method;
    this.done = done;
    this.state = State.Head;
    this.socket.write(bytes);
  }

  private onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case State.Idle:
          // Bytes nobody asked for: the connection cannot be trusted to stay in step.
          return this.fail('bad response');
        case State.Head:
          off = this.head(chunk, off);
          if (off < 0) return;
          break;
        case State.Length: {
          const n = Math.min(this.remaining, chunk.length - off);
          this.remaining -= n;
          off += n;
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.Chunked: {
          const end = (this.scanner as ChunkedScanner).scan(chunk, off, chunk.length);
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
      else this.partial = Buffer.from(buf.subarray(start));
      return -1;
    }
    const consumed = this.partial === null ? end : end - this.partial.length + off;
    this.partial = null;
    const head = parseResponseHead(buf, start, end, this.method);
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
    const done = this.done;
    this.done = null;
    this.state = State.Idle;
    if (this.closeAfter) this.destroy();
    else this.pool.release(this);
    done?.(this.status, null);
  }

  private fail(why: string): void {
    const done = this.done;
    this.done = null;
    this.destroy();
    done?.(0, why);
  }

  private onClose(code: string): void {
    if (this.closed) return;
    if (this.state === State.UntilClose) return this.complete();
    this.fail(this.state === State.Idle ? 'closed' : code);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = State.Idle;
    this.pool.forget(this);
    this.socket.destroy();
  }
}

/** Whether the header section `buf[start, end)` carries `Connection: close`. */
function asksToClose(buf: Buffer, start: number, end: number): boolean {
  for (let at = buf.indexOf('lose', start); at >= 0 && at < end; at = buf.indexOf('lose', at + 4)) {
    const lineStart = buf.lastIndexOf(10, at) + 1;
    if (lineStart < start) continue;
    const line = buf.toString('latin1', lineStart, at + 4).toLowerCase();
    if (/^connection:.*\bclose$/.test(line)) return true;
  }
  return false;
}

/**
 * Keep-alive HTTP/1.1 connections to one origin for the load generator, over raw sockets:
 * node:http's client spent most of the generator's CPU on objects per request (request,
 * response, header maps, streams) that an open-model generator does not need. Requests are
 * pre-rendered bytes; each connection carries one request at a time, so a latency is one
 * request's and not a pipeline's. Idle connections are reused newest first, so a steady rate
 * keeps few sockets warm.
 */
export class Http1Pool {
  private readonly idle: Conn[] = [];
  private readonly open = new Set<Conn>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends `bytes`, a whole request; returns a handle that `abort` takes. */
  request(bytes: Buffer, method: string, done: Outcome): Conn {
    let conn = this.idle.pop();
    if (conn === undefined) {
      conn = new Conn(connect({ host: this.host, port: this.port }), this);
      this.open.add(conn);
    }
    conn.send(bytes, method, done);
    return conn;
  }

  /** Gives up on a request (a timeout): its connection is closed, as its answer may still come. */
  abort(conn: Conn): void {
    conn.done = null;
    conn.destroy();
  }

  release(conn: Conn): void {
    this.idle.push(conn);
  }

  forget(conn: Conn): void {
    this.open.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
  }

  destroy(): void {
    for (const conn of [...this.open]) conn.destroy();
  }
}

export type { Conn as PooledConnection };

import { connect, type Socket } from 'node:net';
import type { FaultlineEvent } from '../../src/api/events.js';
import type { RunningServer } from '../../src/server/index.js';

export interface Conversation {
  /** Every byte the peer sent back, in order. */
  data: Buffer;
  /** The peer closed (FIN) or reset the connection. */
  closed: boolean;
  reset: boolean;
}

/**
 * Writes `pieces` to 127.0.0.1:`port` one at a time, each flushed before the next (a `gapMs`
 * pause makes each its own TCP segment), then reads until `until` holds, the peer closes, or
 * nothing has come for `idleMs`.
 */
export async function converse(
  port: number,
  pieces: readonly Buffer[],
  options: { until?: (data: Buffer) => boolean; idleMs?: number; gapMs?: number; timeoutMs?: number } = {},
): Promise<Conversation> {
  const { until, idleMs = 300, gapMs = 0, timeoutMs = 10_000 } = options;
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const chunks: Buffer[] = [];
  let closed = false;
  let reset = false;
  let length = 0;
  let written = false;
  let armIdle = (): void => {};
  const done = new Promise<void>((resolve) => {
    let idle: NodeJS.Timeout | null = null;
    const hardStop = setTimeout(finish, timeoutMs);
    function finish(): void {
      if (idle !== null) clearTimeout(idle);
      clearTimeout(hardStop);
      resolve();
    }
    function check(): void {
      if (until !== undefined && until(Buffer.concat(chunks, length))) return finish();
      if (!written) return;
      if (idle !== null) clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    }
    armIdle = check;
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      length += d.length;
      check();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') reset = true;
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  for (const piece of pieces) {
    if (socket.destroyed) break;
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  written = true;
  armIdle();
  await done;
  socket.destroy();
  return { data: Buffer.concat(chunks, length), closed, reset };
}

/** `buffer` cut at the given offsets (sorted, deduplicated, inside it). */
export function cut(buffer: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.filter((p) => p > 0 && p < buffer.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(buffer.subarray(from, p));
    from = p;
  }
  out.push(buffer.subarray(from));
  return out;
}

/** `buffer` one byte at a time. */
export function bytewise(buffer: Buffer): Buffer[] {
  return Array.from(buffer, (_, i) => buffer.subarray(i, i + 1));
}

/** Records the server's events from now until `stop()`. */
export function recordEvents(server: RunningServer): { events: FaultlineEvent[]; stop(): void } {
  const events: FaultlineEvent[] = [];
  const stop = server.state.events.subscribe((e) => events.push(e));
  return { events, stop };
}

/** Waits until a socket has connected. */
export async function opened(socket: Socket): Promise<Socket> {
  if (!socket.connecting) return socket;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

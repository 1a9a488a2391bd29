import { connect } from 'node:net';

export interface RawResponse {
  /** The status line's code, or 0 when the connection closed without one. */
  status: number;
  head: string;
  body: string;
  /** How the connection ended: 'end' (FIN), or the socket error's code (ECONNRESET). */
  ended: string;
}

/**
 * Sends `request` as raw bytes (optionally in pieces) and reads until the server closes or one
 * complete response has arrived. For what fetch will not send: garbage, huge headers, bodies
 * that keep coming after the server answered.
 */
export function rawRequest(port: number, request: Buffer | string | (Buffer | string)[], timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (ended: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? '' : text.slice(split + 4), ended });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      if (!settled) reject(new Error(`no complete answer in ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, split));
      if (split >= 0 && length !== null && text.length - split - 4 >= Number(length[1])) finish('complete');
    });
    socket.on('end', () => finish('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'error'));
    socket.on('connect', () => {
      const parts = Array.isArray(request) ? request : [request];
      for (const part of parts) socket.write(part, () => undefined);
    });
  });
}

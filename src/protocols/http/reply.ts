import { STATUS_CODES } from '../../node-http.js';
import type { RequestHead } from './head.js';

export interface HttpReply {
  status: number;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
}

const NO_BODY = (status: number): boolean => (status >= 100 && status < 200) || status === 204 || status === 304;

/** Header values may not break the message apart. */
const clean = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/**
 * An injected response that keeps the connection usable (reference protocols.md §1.7): a
 * self-delimiting body, none for HEAD, 1xx, 204 and 304, and `Connection: close` only when the
 * connection must end after it.
 */
export function renderReply(reply: HttpReply, request: RequestHead, toxic: string, close: boolean): Buffer {
  const status = reply.status;
  const reason = STATUS_CODES[status] ?? 'Unknown';
  const given = reply.headers ?? {};
  const has = (name: string): boolean => Object.keys(given).some((k) => k.toLowerCase() === name);
  const body = NO_BODY(status) ? '' : (reply.body ?? `fault injected by faultline: ${status} ${reason}\n`);
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  if (!NO_BODY(status)) {
    if (request.method !== 'HEAD' || body.length > 0) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    if (!has('content-type')) head += 'Content-Type: text/plain; charset=utf-8\r\n';
  }
  for (const [name, value] of Object.entries(given)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
    head += `${clean(name)}: ${clean(value)}\r\n`;
  }
  head += `X-Faultline-Toxic: ${clean(toxic)}\r\n`;
  if (close) head += 'Connection: close\r\n';
  head += '\r\n';
  return Buffer.from(request.method === 'HEAD' ? head : head + body, 'utf8');
}

import { UNFRAMEABLE, type Codec, type ReplyScanner, type RequestScanner } from '../../src/protocols/pipeline/codec.js';
import type { Recorded } from './recording-relay.js';

export interface ReplayedRequest {
  method: string;
  path: string;
  opening: boolean;
  localAnswer: string | undefined;
  expectsReply: boolean;
  /** The request's bytes, from its first to the offset where it completed. */
  bytes: number;
}

export interface Replay {
  requests: ReplayedRequest[];
  /** Client units without a request of their own (password messages, COPY data). */
  passive: number;
  /** Reply units: false for a reply, true for an unsolicited message. */
  replies: boolean[];
  stopped: string | null;
  unframeable: 'c' | 's' | null;
  /** Every byte that went through, per direction, re-joined: framing must not lose one. */
  client: Buffer;
  server: Buffer;
}

/**
 * Feeds a recorded session through a codec's two scanners as the pipelined exchange would,
 * cutting every chunk into `segment`-byte pieces, and reports the units they found.
 */
export function replay(codec: Codec, log: readonly Recorded[], segment: number): Replay {
  const out: Replay = { requests: [], passive: 0, replies: [], stopped: null, unframeable: null, client: Buffer.alloc(0), server: Buffer.alloc(0) };
  const clientParts: Buffer[] = [];
  const serverParts: Buffer[] = [];
  let requestBytes = 0;
  let seen = false;
  let n = 0;
  const onRequest = (r: RequestScanner, from: number, to: number): void => {
    requestBytes += to - from;
    if (r.identified && !seen) {
      seen = true;
      const v = r.view(++n);
      if (v === null) out.passive++;
      else out.requests.push({ method: v.method, path: v.path, opening: v.opening === true, localAnswer: v.localAnswer?.toString('latin1'), expectsReply: r.expectsReply, bytes: 0 });
    }
    if (r.complete) {
      const last = out.requests[out.requests.length - 1];
      if (last !== undefined && last.bytes === 0) last.bytes = requestBytes;
      if (r.stopAfter !== null) out.stopped ??= r.stopAfter;
      r.reset();
      seen = false;
      requestBytes = 0;
    }
  };
  const onReply = (r: ReplyScanner): void => {
    if (r.complete) {
      out.replies.push(r.unsolicited);
      if (r.stopAfter !== null) out.stopped ??= r.stopAfter;
      r.reset();
    }
  };
  for (const { dir, bytes } of log) {
    (dir === 'c' ? clientParts : serverParts).push(bytes);
    if (out.stopped !== null || out.unframeable !== null) continue;
    for (let start = 0; start < bytes.length && out.stopped === null && out.unframeable === null; start += segment) {
      const piece = bytes.subarray(start, Math.min(bytes.length, start + segment));
      let off = 0;
      while (off < piece.length && out.stopped === null) {
        const next = dir === 'c' ? codec.requests.scan(piece, off, piece.length) : codec.replies.scan(piece, off, piece.length);
        if (next === UNFRAMEABLE) {
          out.unframeable = dir;
          break;
        }
        if (dir === 'c') onRequest(codec.requests, off, next);
        else onReply(codec.replies);
        off = next;
      }
    }
  }
  out.client = Buffer.concat(clientParts);
  out.server = Buffer.concat(serverParts);
  return out;
}

import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import { Queue } from '../../toxics/queue.js';
import type { Codec, CodecRequest, RenderedAnswer } from '../pipeline/codec.js';
import { MISS_NOT_FOUND, RETRIEVAL, STORAGE, type ReplyKind } from './kinds.js';
import { MemcachedReplyScanner } from './reply-scanner.js';
import { MemcachedRequestScanner } from './request-scanner.js';
import { MemcachedRequest } from './request.js';

export function defaultMemcachedLine(toxic: string): string {
  return `SERVER_ERROR injected by faultline (toxic ${toxic})`;
}

/**
 * One memcached connection (`protocol: memcached`), text protocol. An answer is a reply line:
 * the toxic's `message` when it is already an error line, else `SERVER_ERROR <message>`; with
 * `miss`, what the server says for a missing key.
 */
export class MemcachedCodec implements Codec {
  private readonly kinds = new Queue<ReplyKind>();
  readonly requests = new MemcachedRequestScanner(this.kinds);
  readonly replies = new MemcachedReplyScanner(this.kinds);

  opening(): null {
    return null;
  }

  render(reply: AnyToxicAttributes, request: CodecRequest, toxic: string): RenderedAnswer {
    // The server never sees this request, so its reply scanner must not wait for an answer.
    this.requests.answeredHere = true;
    const command = request instanceof MemcachedRequest ? request.command : '';
    return { bytes: Buffer.from(`${answerLine(reply, command, toxic)}\r\n`, 'latin1'), close: false };
  }

  describe(reply: AnyToxicAttributes): string {
    if (reply.miss === true) return 'answered a cache miss';
    return `answered ${answerLine(reply, '', '').split(' ', 1)[0] ?? ''}`;
  }
}

function answerLine(reply: AnyToxicAttributes, command: string, toxic: string): string {
  if (reply.miss === true) {
    if (RETRIEVAL.has(command)) return 'END';
    if (MISS_NOT_FOUND.has(command)) return 'NOT_FOUND';
    if (STORAGE.has(command)) return 'NOT_STORED';
  }
  const message = typeof reply.message === 'string' ? reply.message : typeof reply.body === 'string' && reply.body !== '' ? reply.body.split(/\r?\n/, 1)[0] ?? '' : null;
  if (message === null) return defaultMemcachedLine(toxic);
  if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)( |$)/.test(message)) return message;
  return `SERVER_ERROR ${message}`;
}

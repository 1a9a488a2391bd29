import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { Codec, CodecRequest, RenderedAnswer } from '../pipeline/codec.js';
import { RedisReplyScanner } from './reply-scanner.js';
import { RedisRequestScanner } from './request-scanner.js';
import { RedisRequest } from './request.js';
import type { RedisSession } from './session.js';

/** The message an error answer carries when the toxic gives none. */
export function defaultRedisMessage(toxic: string): string {
  return `ERR injected by faultline (toxic ${toxic})`;
}

/**
 * One Redis connection (`protocol: redis`): RESP2 and RESP3, inline and multibulk commands,
 * pipelining; an answer is an error line, `-<message>\r\n`.
 */
export class RedisCodec implements Codec, RedisSession {
  resp3 = false;
  readonly requests = new RedisRequestScanner(this);
  readonly replies = new RedisReplyScanner(this);

  opening(): null {
    return null;
  }

  render(reply: AnyToxicAttributes, request: CodecRequest, toxic: string): RenderedAnswer {
    // The server never saw this HELLO: the connection keeps the version it had.
    if (request instanceof RedisRequest && request.method === 'HELLO') this.resp3 = request.resp3Before;
    return { bytes: Buffer.from(`-${message(reply, toxic)}\r\n`), close: false };
  }

  describe(reply: AnyToxicAttributes): string {
    const line = message(reply, '');
    return `answered -${line.split(' ', 1)[0] ?? line}`;
  }
}

/**
 * The error line without its `-`: the toxic's `message` as given (its first word is the error
 * code clients read, e.g. LOADING), else a rate limit's text, else faultline's default.
 */
function message(reply: AnyToxicAttributes, toxic: string): string {
  if (typeof reply.message === 'string') return reply.message;
  if (typeof reply.body === 'string' && reply.body !== '') return `ERR ${reply.body.split(/\r?\n/, 1)[0] ?? ''}`;
  return defaultRedisMessage(toxic);
}

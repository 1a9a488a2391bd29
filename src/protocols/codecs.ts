import type { Protocol } from '../api/protocols.js';
import type { Codec, CodecOptions } from './pipeline/codec.js';
import { MemcachedCodec } from './memcached/codec.js';

import { createMysqlCodec } from './mysql/codec.js';
import { createPostgresCodec } from './postgres/codec.js';
import { RedisCodec } from './redis/codec.js';

/** The protocols framed by the pipelined exchange, each by its own codec. */
export type PipelinedProtocol = 'redis' | 'memcached' | 'postgres' | 'mysql';

export function isPipelined(protocol: Protocol): protocol is PipelinedProtocol {
  return protocol === 'redis' || protocol === 'memcached' || protocol === 'postgres' || protocol === 'mysql';
}

/** A new connection's codec; null while a protocol has none yet (its proxies forward bytes as tcp does). */
export function createCodec(protocol: PipelinedProtocol, options: CodecOptions): Codec | null {
  switch (protocol) {
    case 'redis':
      return new RedisCodec();
    case 'memcached':
      return new MemcachedCodec();
    case 'postgres':
      return createPostgresCodec(options);
    case 'mysql':
      return createMysqlCodec(options);
  }
}

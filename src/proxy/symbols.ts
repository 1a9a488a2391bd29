import type { Connection } from './connection.js';
import type { Link } from './link.js';
import type { ReadBuffer } from './read-buffer.js';

/**
 * Socket listeners are module-level functions that find their link through these keys, so
 * no closure is created per connection or per chunk.
 */
export const kSourceOf: unique symbol = Symbol('faultline.sourceOf');
export const kSinkOf: unique symbol = Symbol('faultline.sinkOf');
export const kConnection: unique symbol = Symbol('faultline.connection');
export const kReadBuffer: unique symbol = Symbol('faultline.readBuffer');

declare module 'node:net' {
  interface Socket {
    [kSourceOf]?: Link;
    [kSinkOf]?: Link;
    [kConnection]?: Connection;
    [kReadBuffer]?: ReadBuffer;
  }
}

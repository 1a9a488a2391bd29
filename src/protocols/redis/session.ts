/** What both directions of one Redis connection share: the protocol version HELLO chose. */
export interface RedisSession {
  resp3: boolean;
}

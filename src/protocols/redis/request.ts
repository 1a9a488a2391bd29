import type { CodecRequest } from '../pipeline/codec.js';

/** A Redis command as matchers see it: the command name as `method`, its first key as `path`. */
export class RedisRequest implements CodecRequest {
  readonly host = undefined;
  /**
   * The key's bytes in the read, when the scanner left them there: most requests meet no toxic
   * that reads the key, so it becomes a string only when one does.
   */
  private keyBytes: Buffer | null = null;
  private keyFrom = 0;
  private keyTo = 0;

  constructor(
    readonly number: number,
    readonly method: string,
    private key: string,
    /** The protocol version before this request (HELLO changes it; an answered HELLO restores it). */
    readonly resp3Before: boolean,
  ) {}

  /** The key is `chunk[from, to)`, valid until the request is decided. */
  keyIn(chunk: Buffer, from: number, to: number): void {
    this.keyBytes = chunk;
    this.keyFrom = from;
    this.keyTo = to;
  }

  get path(): string {
    const bytes = this.keyBytes;
    if (bytes !== null) {
      this.key = bytes.toString('utf8', this.keyFrom, this.keyTo);
      this.keyBytes = null;
    }
    return this.key;
  }

  pathStartsWith(prefix: Buffer, text: string): boolean {
    const bytes = this.keyBytes;
    if (bytes === null) return this.key.startsWith(text);
    const from = this.keyFrom;
    const n = prefix.length;
    if (this.keyTo - from < n) return false;
    for (let i = 0; i < n; i++) if (bytes[from + i] !== prefix[i]) return false;
    return true;
  }

  /** The read buffer is read into again after this: a key nobody read is not kept. */
  decided(): void {
    this.keyBytes = null;
  }

  header(): undefined {
    return undefined;
  }

  query(): undefined {
    return undefined;
  }
}

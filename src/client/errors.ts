import { errorCodeOf, type ApiErrorCode } from '../api/errors.js';

/**
 * A request to the server failed. `status` is the HTTP status (0 when the server could not be
 * reached) and `message` the server's own words, e.g. `proxy not found`.
 */
export class FaultlineError extends Error {
  override name = 'FaultlineError';

  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** What went wrong, from the server's message (`TOXIC_EXISTS`, …); undefined if unknown. */
  get code(): ApiErrorCode | undefined {
    return this.status === 0 ? undefined : errorCodeOf(this.message);
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isUnreachable(): boolean {
    return this.status === 0;
  }

  /**
   * The proxy and toxic the failed request addressed, read back from its URL. Toxiproxy's error
   * text (`proxy not found`) does not name them and clients match on it, so the server keeps it
   * as it is; a program or the CLI can say which from here.
   */
  get target(): { proxy?: string; toxic?: string } {
    let path: string;
    try {
      path = new URL(this.url).pathname;
    } catch {
      return {};
    }
    const [, proxy, , toxic] = path.match(/\/proxies\/([^/]+)(\/toxics\/([^/]+))?/) ?? [];
    const out: { proxy?: string; toxic?: string } = {};
    if (proxy !== undefined) out.proxy = decodeURIComponent(proxy);
    if (toxic !== undefined) out.toxic = decodeURIComponent(toxic);
    return out;
  }

  /** The message, with the name added where the server's own text does not give it. */
  describe(): string {
    const { proxy, toxic } = this.target;
    if (this.message === 'proxy not found' && proxy !== undefined) return `proxy not found: ${proxy}`;
    if (this.message === 'toxic not found' && toxic !== undefined) return `toxic not found: ${toxic} (proxy ${proxy ?? '?'})`;
    return this.message;
  }
}

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

  get isNotFound(): boolean {
    return this.status === 404;
  }

  get isUnreachable(): boolean {
    return this.status === 0;
  }
}

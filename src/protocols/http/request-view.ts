import type { RequestView } from '../message.js';
import type { RequestHead } from './head.js';

/** An HTTP request as matchers and request-level toxics see it; headers and query are read on demand. */
export class HttpRequestView implements RequestView {
  private params: URLSearchParams | null = null;
  private hostName: string | undefined | null = null;

  constructor(
    readonly number: number,
    readonly head: RequestHead,
  ) {}

  get method(): string {
    return this.head.method;
  }

  get path(): string {
    return this.head.path;
  }

  /** The Host header without its port, lower case. */
  get host(): string | undefined {
    if (this.hostName === null) {
      const host = this.head.host;
      this.hostName = host === undefined ? undefined : host.replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
    }
    return this.hostName;
  }

  header(name: string): string | undefined {
    return this.head.header(name.toLowerCase());
  }

  query(name: string): string | undefined {
    this.params ??= new URLSearchParams(this.head.search);
    return this.params.get(name) ?? undefined;
  }
}

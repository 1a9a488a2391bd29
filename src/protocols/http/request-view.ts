import type { RequestView } from '../message.js';
import type { RequestHead } from './head.js';

/** An HTTP request as matchers and request-level toxics see it; the query is parsed on demand. */
export class HttpRequestView implements RequestView {
  private params: URLSearchParams | null = null;
  readonly host: string | undefined;

  constructor(
    readonly number: number,
    readonly head: RequestHead,
  ) {
    const host = head.headers.get('host');
    this.host = host === undefined ? undefined : host.replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  }

  get method(): string {
    return this.head.method;
  }

  get path(): string {
    return this.head.path;
  }

  header(name: string): string | undefined {
    return this.head.headers.get(name.toLowerCase());
  }

  query(name: string): string | undefined {
    this.params ??= new URLSearchParams(this.head.search);
    return this.params.get(name) ?? undefined;
  }
}

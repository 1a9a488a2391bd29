export interface ToxicSpec {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  attributes: Record<string, unknown>;
}

/** The few Toxiproxy API calls the bench needs; faultline and Toxiproxy answer them alike. */
export class ToxiApi {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  }

  version(): Promise<unknown> {
    return this.call('GET', '/version', undefined, 1000);
  }

  /** `extra`: faultline's own settings, e.g. `{ protocol: 'http' }`. */
  createProxy(name: string, listen: string, upstream: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.call('POST', '/proxies', { name, listen, upstream, enabled: true, ...extra });
  }

  addToxic(proxy: string, toxic: ToxicSpec, timeoutMs?: number): Promise<unknown> {
    return this.call('POST', `/proxies/${proxy}/toxics`, { toxicity: 1, ...toxic }, timeoutMs);
  }

  removeToxic(proxy: string, toxic: string, timeoutMs?: number): Promise<unknown> {
    return this.call('DELETE', `/proxies/${proxy}/toxics/${toxic}`, undefined, timeoutMs);
  }
}

import type { ToxicSpec } from '../api/toxic.js';
import type { ProxyHandle } from './proxy-handle.js';
import { restoreAll, undoQuietly, using } from './scope.js';

/**
 * Several proxies acted on together, like the Ruby client's `Toxiproxy[/redis/]`: a fault
 * goes on all of them and comes off all of them, even when one step fails.
 */
export class ProxyGroup {
  constructor(readonly proxies: readonly ProxyHandle[]) {}

  get names(): string[] {
    return this.proxies.map((p) => p.name);
  }

  /** Applies `apply` to each proxy in turn; if one fails, those done are undone. */
  private async each(apply: (proxy: ProxyHandle) => Promise<AsyncDisposable>): Promise<AsyncDisposable> {
    const undos: AsyncDisposable[] = [];
    try {
      for (const proxy of this.proxies) undos.push(await apply(proxy));
    } catch (err) {
      await undoQuietly(restoreAll(undos));
      throw err;
    }
    return restoreAll(undos);
  }

  /** Takes every proxy down; see ProxyHandle.down. */
  down(): Promise<AsyncDisposable>;
  down<R>(body: () => Promise<R> | R): Promise<R>;
  async down<R>(body?: () => Promise<R> | R): Promise<AsyncDisposable | R> {
    const undo = await this.each((proxy) => proxy.down());
    return body === undefined ? undo : using(undo, body);
  }

  /** Adds the same toxic to every proxy; with `await using`, all are removed at the end. */
  addToxic(spec: ToxicSpec): Promise<AsyncDisposable> {
    return this.each((proxy) => proxy.addToxic(spec));
  }

  async withToxic<R>(spec: ToxicSpec, body: () => Promise<R> | R): Promise<R> {
    return using(await this.addToxic(spec), body);
  }
}

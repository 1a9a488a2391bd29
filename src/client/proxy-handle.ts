import type { FaultRecord } from '../api/faults.js';
import type { PresetApplyJson } from '../api/presets.js';
import type { Protocol } from '../api/protocols.js';
import type { ProxyJson, ProxyUpdate, TlsMode } from '../api/proxy.js';
import { paths } from '../api/routes.js';
import type { Toxic, ToxicSpec } from '../api/toxic.js';
import type { ToxicType } from '../api/toxic-types.js';
import { FaultlineError } from './errors.js';
import type { Transport } from './http.js';
import { nothingToUndo, restoreAll, undoQuietly, using } from './scope.js';
import { ToxicHandle } from './toxic-handle.js';

/** Where a client should connect to reach a listen address: a wildcard means this host. */
function connectHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** A proxy on the server. Its fields are a snapshot; `refresh()` reloads them. */
export class ProxyHandle {
  readonly name: string;
  listen = '';
  upstream = '';
  enabled = false;
  toxics: Toxic[] = [];
  /** `tcp` unless the proxy frames its traffic (`http`): a Toxiproxy server always says tcp. */
  protocol: Protocol = 'tcp';
  envoyFaultHeaders = false;
  maxActiveFaults = 0;
  /** postgres, mysql: `refuse` (the default) answers TLS requests so the session stays framable; `pass` forwards them. */
  tls: TlsMode = 'refuse';

  constructor(
    private readonly transport: Transport,
    json: ProxyJson,
  ) {
    this.name = json.name;
    this.assign(json);
  }

  private assign(json: ProxyJson): this {
    this.listen = json.listen;
    this.upstream = json.upstream;
    this.enabled = json.enabled;
    this.toxics = json.toxics as Toxic[];
    this.protocol = json.protocol ?? 'tcp';
    this.envoyFaultHeaders = json.envoy_fault_headers ?? false;
    this.maxActiveFaults = json.max_active_faults ?? 0;
    this.tls = json.tls ?? 'refuse';
    return this;
  }

  /** The host to connect to, with a wildcard listen (`[::]`, `0.0.0.0`) mapped to loopback. */
  get host(): string {
    const colon = this.listen.lastIndexOf(':');
    const host = this.listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return connectHost(host);
  }

  get port(): number {
    return Number(this.listen.slice(this.listen.lastIndexOf(':') + 1));
  }

  async refresh(): Promise<this> {
    return this.assign(await this.transport.request<ProxyJson>('GET', paths.proxy(this.name)));
  }

  /** A partial update; only a changed listen or upstream restarts the proxy. */
  async update(change: ProxyUpdate): Promise<this> {
    return this.assign(await this.transport.request<ProxyJson>('PATCH', paths.proxy(this.name), change));
  }

  enable(): Promise<this> {
    return this.update({ enabled: true });
  }

  disable(): Promise<this> {
    return this.update({ enabled: false });
  }

  async delete(): Promise<void> {
    await this.transport.request('DELETE', paths.proxy(this.name));
  }

  async listToxics(): Promise<ToxicHandle[]> {
    const list = await this.transport.request<Toxic[]>('GET', paths.toxics(this.name));
    return list.map((t) => new ToxicHandle(this.transport, this.name, t));
  }

  async toxic(name: string): Promise<ToxicHandle> {
    return new ToxicHandle(this.transport, this.name, await this.transport.request<Toxic>('GET', paths.toxic(this.name, name)));
  }

  /**
   * Adds a toxic. With `await using`, it is removed when the scope ends. An attribute name the
   * type does not have is a TypeError here, before anything is sent.
   */
  async addToxic<T extends ToxicType>(spec: ToxicSpec<T>): Promise<ToxicHandle<T>> {
    const { checkAttributeNames, knownTypes } = await import('./attributes.js');
    checkAttributeNames(spec.type, spec.attributes);
    let json: Toxic<T>;
    try {
      json = await this.transport.request<Toxic<T>>('POST', paths.toxics(this.name), spec);
    } catch (err) {
      // The server keeps Toxiproxy's bare `invalid toxic type`, which clients compare; here the
      // type asked for and the ones this client knows can be said.
      if (err instanceof FaultlineError && err.code === 'INVALID_TOXIC_TYPE') {
        throw new FaultlineError(
          `invalid toxic type ${JSON.stringify(spec.type)}; expected one of ${knownTypes().join(', ')}`,
          err.status,
          err.method,
          err.url,
          { cause: err },
        );
      }
      throw err;
    }
    return new ToxicHandle<T>(this.transport, this.name, json);
  }

  /** Runs `body` with the toxic in place and removes it afterwards, also when `body` throws. */
  async withToxic<T extends ToxicType, R>(spec: ToxicSpec<T>, body: (toxic: ToxicHandle<T>) => Promise<R> | R): Promise<R> {
    return using(await this.addToxic(spec), body);
  }

  /** Several toxics at once; if one cannot be added, those already added are removed. */
  async withToxics<R>(specs: readonly ToxicSpec[], body: (toxics: ToxicHandle[]) => Promise<R> | R): Promise<R> {
    const added: ToxicHandle[] = [];
    try {
      for (const spec of specs) added.push(await this.addToxic(spec));
    } catch (err) {
      await undoQuietly(restoreAll(added));
      throw err;
    }
    return using(restoreAll(added), () => body(added));
  }

  /**
   * Takes the proxy down (new connections refused, live ones closed). `down(body)` brings it
   * back after `body`; `await using _ = await proxy.down()` brings it back at the end of the
   * scope. A proxy that was already disabled is left disabled.
   */
  down(): Promise<AsyncDisposable>;
  down<R>(body: () => Promise<R> | R): Promise<R>;
  async down<R>(body?: () => Promise<R> | R): Promise<AsyncDisposable | R> {
    await this.refresh();
    const wasEnabled = this.enabled;
    if (wasEnabled) await this.disable();
    const undo: AsyncDisposable = wasEnabled
      ? { [Symbol.asyncDispose]: async () => void (await this.enable()) }
      : nothingToUndo;
    return body === undefined ? undo : using(undo, body);
  }

  /**
   * The request-level faults that fired on this proxy, oldest first (the server keeps the last
   * 1,000): what a test asserts on, e.g. that the 2nd request got the 503. faultline only.
   */
  async faults(filter: { toxic?: string } = {}): Promise<FaultRecord[]> {
    const query = filter.toxic === undefined ? '' : `?toxic=${encodeURIComponent(filter.toxic)}`;
    return this.transport.request<FaultRecord[]>('GET', paths.faults(this.name) + query);
  }

  /**
   * Puts a network preset on this proxy (`3g`, `edge`, `satellite`, `lossy-wifi`, `dsl`,
   * `offline`, …) as one group of toxics, replacing any preset already on it. `applyPreset(name,
   * body)` removes it after `body`; `await using _ = await proxy.applyPreset('3g')` at the end of
   * the scope. faultline only.
   */
  applyPreset(preset: string): Promise<AsyncDisposable & PresetApplyJson>;
  applyPreset<R>(preset: string, body: () => Promise<R> | R): Promise<R>;
  async applyPreset<R>(preset: string, body?: () => Promise<R> | R): Promise<(AsyncDisposable & PresetApplyJson) | R> {
    const json = await this.transport.request<PresetApplyJson>('POST', paths.preset(this.name, preset));
    await this.refresh();
    const undo = { ...json, [Symbol.asyncDispose]: () => this.removePreset(json.preset) };
    return body === undefined ? undo : using(undo, body);
  }

  /** Takes a preset's toxics off this proxy; nothing happens when it is not on. faultline only. */
  async removePreset(preset: string): Promise<void> {
    await this.transport.request('DELETE', paths.preset(this.name, preset));
    await this.refresh();
  }

  /** Empties the fault log, e.g. between tests; a reset does it too. */
  async clearFaults(): Promise<void> {
    await this.transport.request('DELETE', paths.faults(this.name));
  }

  toJSON(): ProxyJson {
    const json: ProxyJson = { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics };
    if (this.protocol !== 'tcp') json.protocol = this.protocol;
    if (this.envoyFaultHeaders) {
      json.envoy_fault_headers = true;
      json.max_active_faults = this.maxActiveFaults;
    }
    if (this.tls !== 'refuse') json.tls = this.tls;
    return json;
  }
}

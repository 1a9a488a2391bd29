import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from '../node-http.js';
import type { AddressInfo } from 'node:net';
import { mixNames, parseMix } from '../api/behaviors.js';
import type { ToxicSpec } from '../api/toxic.js';
import { FaultlineError } from '../client/errors.js';
import type { Faultline } from '../client/faultline.js';
import { UserError } from '../cli/user-error.js';
import { MIX_TOXIC, proxyConfig } from './proxies.js';
import { behaviorOption, type VaurienProxy } from './settings.js';

/** Cornice's 400 body, which Vaurien's client and scripts read. */
interface CorniceError {
  location: string;
  name: string;
  description: string;
}

class BadRequest extends Error {
  constructor(readonly errors: CorniceError[]) {
    super(errors.map((e) => e.description).join('; '));
  }
}

const bad = (name: string, description: string): BadRequest => new BadRequest([{ location: 'body', name, description }]);

/** The name `GET /behavior` shows: the behaviour when it has all the traffic, else the mix. */
function shownBehavior(mix: string): string {
  const shares = parseMix(mix).filter((s) => s.percent > 0 && s.name !== 'dummy');
  if (shares.length === 0) return 'dummy';
  if (shares.length === 1 && shares[0]?.percent === 100) return shares[0].name;
  return mix;
}

/**
 * Vaurien's control API (vaurien/webserver.py) for one proxy, backed by the faultline server's
 * state through its client: the behaviour is the proxy's `mix` toxic (byte-level toxics on a tcp
 * proxy) and the backend is the proxy's upstream, so the ordinary API and this one agree.
 */
export class VaurienControl {
  private server: Server | undefined;
  /** The mix on a tcp proxy, whose byte-level toxics cannot be read back into one. */
  private tcpMix: string;

  constructor(
    private readonly client: Faultline,
    private readonly proxy: VaurienProxy,
    private readonly warn: (line: string) => void,
  ) {
    this.tcpMix = proxy.behavior;
  }

  private get framed(): boolean {
    return proxyConfig(this.proxy, []).protocol !== 'tcp';
  }

  async getBehavior(): Promise<string> {
    if (!this.framed) return shownBehavior(this.tcpMix);
    const toxic = await (await this.client.proxy(this.proxy.name)).toxic(MIX_TOXIC);
    return shownBehavior(String((toxic.attributes as Record<string, unknown>).behaviors));
  }

  /** `PUT /behavior`: `name` is a behaviour (or a mix); the other keys are its options. */
  async setBehavior(body: unknown): Promise<void> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('', 'the value is not a valid json object');
    const { name, ...options } = body as Record<string, unknown>;
    if (name === undefined) throw bad('', 'the value should contain a "name" key');
    if (typeof name !== 'string') throw bad('name', 'the name should be a string');
    let mix: string;
    try {
      mix = parseMix(name).map((s) => `${s.percent}:${s.name}`).join(',');
    } catch {
      throw bad('name', `the '${name}' behavior does not exist; valid behaviors: ${mixNames().join(', ')}`);
    }
    const attributes: Record<string, unknown> = {};
    const shares = parseMix(mix);
    for (const [key, value] of Object.entries(options)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw bad(key, 'expected a number, string or boolean');
      // One behaviour: its options by Vaurien's names (sleep). A mix: <behavior>_<option> (delay_sleep).
      const share = shares.length === 1 ? shares[0] : shares.find((s) => key.startsWith(`${s.name}_`));
      if (share === undefined) throw bad(key, 'with a mix, name each option <behavior>_<option>, e.g. delay_sleep');
      const option = shares.length === 1 ? key : key.slice(share.name.length + 1);
      try {
        const [attribute, v] = behaviorOption(share.name, option, typeof value === 'number' ? String(value) : value, key, []);
        attributes[attribute] = v;
      } catch (err) {
        if (err instanceof UserError) throw bad(key, err.message.replace(/^\S+: /, ''));
        throw err;
      }
    }
    if (this.framed) {
      const toxic = await (await this.client.proxy(this.proxy.name)).toxic(MIX_TOXIC);
      await toxic.update({ attributes: { behaviors: mix, ...attributes } as never });
      return;
    }
    const next: VaurienProxy = { ...this.proxy, behavior: mix, options: { ...this.proxy.options, ...(attributes as Record<string, number | boolean>) } };
    const warnings: string[] = [];
    let toxics: ToxicSpec[];
    try {
      toxics = proxyConfig(next, warnings).toxics ?? [];
    } catch (err) {
      if (err instanceof UserError) throw bad('name', err.message.replace(/^\S+: /, ''));
      throw err;
    }
    warnings.forEach(this.warn);
    const handle = await this.client.proxy(this.proxy.name);
    for (const toxic of await handle.listToxics()) if (toxic.name.startsWith('vaurien_')) await toxic.remove();
    for (const spec of toxics) await handle.addToxic(spec);
    this.proxy.options = next.options;
    this.tcpMix = mix;
  }

  async getBackend(): Promise<string> {
    return (await this.client.proxy(this.proxy.name)).upstream;
  }

  /** `PUT /backend`: new connections go to the new backend; open ones stay where they are. */
  async setBackend(body: unknown): Promise<void> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('', 'the value is not a valid json object');
    const backend = (body as Record<string, unknown>).backend;
    if (backend === undefined) throw bad('', 'the value should contain a "backend" key');
    if (typeof backend !== 'string' || !/^.+:\d{1,5}$/.test(backend)) throw bad('backend', 'expected "host:port"');
    try {
      await (await this.client.proxy(this.proxy.name)).update({ upstream: backend });
    } catch (err) {
      if (err instanceof FaultlineError && err.status === 400) throw bad('backend', err.message);
      throw err;
    }
  }

  private async route(req: IncomingMessage, text: string): Promise<[number, unknown]> {
    const path = (req.url ?? '/').split('?')[0];
    const body = (): unknown => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw bad('', 'the value is not a valid json object');
      }
    };
    if (path === '/behavior' && req.method === 'GET') return [200, { behavior: await this.getBehavior() }];
    if (path === '/behavior' && req.method === 'PUT') return this.setBehavior(body()).then(() => [200, { status: 'ok' }]);
    if (path === '/behaviors' && req.method === 'GET') return [200, { behaviors: mixNames() }];
    if (path === '/backend' && req.method === 'GET') return [200, { backend: await this.getBackend() }];
    if (path === '/backend' && req.method === 'PUT') return this.setBackend(body()).then(() => [200, { status: 'ok' }]);
    if (path === '/behavior' || path === '/behaviors' || path === '/backend') return [405, { status: 'error', errors: [{ location: 'method', name: req.method ?? '', description: 'method not allowed' }] }];
    return [404, { status: 'error', errors: [{ location: 'path', name: path ?? '', description: 'not found; routes: GET|PUT /behavior, GET /behaviors, GET|PUT /backend' }] }];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > 1 << 20) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk);
    }
    let status: number;
    let json: unknown;
    try {
      [status, json] = await this.route(req, Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      if (err instanceof BadRequest) [status, json] = [400, { status: 'error', errors: err.errors }];
      else [status, json] = [500, { status: 'error', errors: [{ location: 'server', name: '', description: (err as Error).message }] }];
    }
    const out = JSON.stringify(json);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  }

  /** Listens on the proxy's `http` address; returns the bound port. */
  async listen(): Promise<number> {
    const at = this.proxy.http;
    if (at === null) throw new Error('no control API address');
    const server = createServer((req, res) => void this.handle(req, res));
    server.listen(at.port, at.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err as Error))]);
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

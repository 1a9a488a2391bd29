import { startServer, type RunningServer } from '../../src/server/index.js';

/** A faultline server in this process on an ephemeral API port, with a fixed seed. */
export function startTestServer(seed = 42): Promise<RunningServer> {
  return startServer({ port: 0, seed });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
}

/** Calls the control API over real HTTP. `body` is sent as JSON unless it is already a string. */
export async function api(
  server: { url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const init: RequestInit = { method, headers: { 'User-Agent': 'faultline-tests', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Creates a proxy on an ephemeral loopback port and returns its bound port. */
export async function createProxy(
  server: { url: string },
  name: string,
  upstreamPort: number,
  extra: Record<string, unknown> = {},
): Promise<{ port: number; listen: string }> {
  const res = await api(server, 'POST', '/proxies', {
    name,
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${upstreamPort}`,
    ...extra,
  });
  if (res.status !== 201) throw new Error(`create proxy ${name}: ${res.status} ${res.text}`);
  const listen = res.json.listen as string;
  return { port: Number(listen.slice(listen.lastIndexOf(':') + 1)), listen };
}

export async function addToxic(
  server: { url: string },
  proxy: string,
  toxic: Record<string, unknown>,
): Promise<any> {
  const res = await api(server, 'POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, toxic);
  if (res.status !== 200) throw new Error(`add toxic: ${res.status} ${res.text}`);
  return res.json;
}

import type { Send } from './http.js';

// As CommonJS takes it: an ES import of node:http costs Node 22+ tens of ms (src/node-http.ts).
const httpRequest = process.getBuiltinModule('node:http').request;

/**
 * The client's requests over node:http, for Node programs where start-up counts (the CLI, a
 * test suite starting a client per file): node:http is already loaded with Node, where the
 * first fetch loads undici (about 40 MB of RSS and 0.3 s here). Same contract as fetch: any
 * status resolves, and a network failure or the time limit rejects with the reason as `cause`.
 */
export const nodeSend: Send = async (url, init) => {
  const target = new URL(url);
  // node:https, and TLS with it, is loaded only for a server reached over https.
  const request = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = Buffer.byteLength(init.body);
    const req = request(target, { method: init.method, headers, timeout: init.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(new Error('response failed', { cause: err })));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error('request failed', { cause: err })));
    req.end(init.body);
  });
};

/** A config file declares http proxies and request-level toxics like any others. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/server/index.js';
import { httpRequest, startHttpUpstream } from '../helpers/http.js';
import { api } from '../helpers/server.js';

test('protocol, Envoy headers and request-level toxics from YAML; bad ones named by path', async () => {
  const up = await startHttpUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'faultline-protocol-config-'));
  const file = join(dir, 'faults.yaml');
  await writeFile(
    file,
    `proxies:
  - name: ratings
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:${up.port}
    protocol: http
    envoy_fault_headers: true
    toxics:
      - type: error
        name: flaky
        attributes: { status: 503, nth: [1], path: /ratings, response_headers: { Retry-After: "2" } }
`,
  );
  const server = await startServer({ port: 0, config: file });
  try {
    const proxy = (await api(server, 'GET', '/proxies/ratings')).json;
    assert.equal(proxy.protocol, 'http');
    assert.equal(proxy.envoy_fault_headers, true);
    assert.deepEqual(proxy.toxics[0].attributes, { status: 503, nth: [1], path: '/ratings', response_headers: { 'Retry-After': '2' } });
    const port = Number(proxy.listen.split(':')[1]);
    const first = await httpRequest(port, { path: '/ratings', agent: false });
    assert.equal(first.status, 503);
    assert.equal(first.headers['retry-after'], '2');
    assert.equal((await httpRequest(port, { path: '/ratings', agent: false })).status, 200);
  } finally {
    await server.close();
    await up.close();
  }

  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'proxies:\n  - name: x\n    upstream: 127.0.0.1:1\n    protocol: http\n    toxics:\n      - type: error\n        attributes: { nth: [0] }\n');
  await assert.rejects(startServer({ port: 0, config: bad }), /bad\.yaml: proxies\[0\]\.toxics\[0\]\.attributes\.nth\[0\]: expected a request number, a whole number from 1/);
});

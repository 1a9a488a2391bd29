/**
 * The command line for protocol proxies: --protocol on create, request-level toxics whose
 * `-a key=value` values are read by their schema (lists, booleans, JSON), inspect's
 * explanations, and the fault log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { httpRequest, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { api, startTestServer } from '../helpers/server.js';
import { fails, ok } from './cli-run.js';

let server: RunningServer;
let up: HttpUpstream;
before(async () => {
  server = await startTestServer();
  up = await startHttpUpstream();
});
after(async () => {
  await server.close();
  await up.close();
});

test('create --protocol http, request-level toxics from -a flags, inspect and faults', async () => {
  const created = JSON.parse(await ok(server.url, ['create', 'web', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${up.port}`, '--protocol', 'http', '--json']));
  assert.equal(created.protocol, 'http');
  const port = Number(created.listen.split(':')[1]);

  await ok(server.url, ['toxic', 'add', 'web', '-t', 'error', '-n', 'ratings', '-a', 'status=503', '-a', 'path=/ratings', '-a', 'nth=2,3', '-a', 'headers={"x-test":"42"}', '-a', 'response_headers={"Retry-After":"1"}']);
  await ok(server.url, ['toxic', 'add', 'web', '-t', 'abort', '-n', 'ab', '-a', 'reset=true', '-a', 'method=PUT,DELETE', '-a', 'probability=0.5']);
  const toxics = (await api(server, 'GET', '/proxies/web/toxics')).json;
  assert.deepEqual(toxics[0].attributes, { status: 503, path: '/ratings', nth: [2, 3], headers: { 'x-test': '42' }, response_headers: { 'Retry-After': '1' } });
  assert.deepEqual(toxics[1].attributes, { reset: true, where: 'request', method: ['PUT', 'DELETE'], probability: 0.5 });

  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await httpRequest(port, { path: '/ratings', agent: false, headers: { 'x-test': '42' } })).status);
  assert.deepEqual(statuses, [200, 503, 503, 200]);

  const inspect = await ok(server.url, ['inspect', 'web']);
  assert.match(inspect, /^ratings\ttype=error\tstream=downstream\ttoxicity=1\.00\tattributes=\[\theaders=\{"x-test":"42"\}\tnth=\[2,3\]\tpath=\/ratings\tresponse_headers=\{"Retry-After":"1"\}\tstatus=503\t\]$/m);

  const lines = (await ok(server.url, ['faults', 'web'])).trim().split('\n').map((l) => l.split('\t'));
  // Each request came on its own connection (agent: false), so each is request 1 there.
  assert.deepEqual(lines.map((l) => [l[2], l[3], l[4], l[5]]), [
    ['1', 'GET /ratings', 'ratings', 'answered 503'],
    ['1', 'GET /ratings', 'ratings', 'answered 503'],
  ]);
  const json = JSON.parse(await ok(server.url, ['faults', 'web', '--json', '--toxic', 'ratings']));
  assert.equal(json.length, 2);
  await ok(server.url, ['faults', 'web', '--clear']);
  assert.equal(await ok(server.url, ['faults', 'web']), '');
});

test('bad values are refused by the schema before anything is sent', async () => {
  await ok(server.url, ['create', 'web2', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${up.port}`, '--protocol', 'http']);
  const cases: [string[], RegExp][] = [
    [['-t', 'error', '-a', 'nth=2,x'], /^faultline: invalid value for attribute nth: "x" is not a whole number$/],
    [['-t', 'error', '-a', 'nth=0'], /^faultline: invalid value for attribute nth\[0\]: \[0\]: expected a request number, a whole number from 1$/],
    [['-t', 'error', '-a', 'status=700'], /^faultline: invalid value for attribute status: 700: expected an HTTP status from 100 to 599$/],
    [['-t', 'error', '-a', 'headers=x-test:42'], /^faultline: invalid value for attribute headers: "x-test:42" is not valid JSON/],
    [['-t', 'error', '-a', 'path=~('], /^faultline: invalid value for attribute path: "~\(": invalid regular expression "\("$/],
    [['-t', 'abort', '-a', 'reset=maybe'], /^faultline: invalid value for attribute reset: "maybe" is not true or false$/],
    [['-t', 'delay', '-a', 'where=middle'], /^faultline: invalid value for attribute where: "middle": expected "request" or "response"$/],
    [['-t', 'error', '-a', 'latency=5'], /^faultline: error toxic has no attribute "latency"; valid attributes: status, body, response_headers, message, sqlstate, severity, code, miss, method/],
  ];
  for (const [flags, message] of cases) assert.match(await fails(server.url, ['toxic', 'add', 'web2', ...flags]), message, flags.join(' '));
  assert.match(await fails(server.url, ['create', 'x', '-l', '127.0.0.1:0', '-u', '127.0.0.1:1', '--protocol', 'gopher']), /^faultline: unknown protocol "gopher"; expected one of tcp, http, redis, postgres, mysql, memcached$/);
  await ok(server.url, ['create', 'plain', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${up.port}`]);
  assert.match(await fails(server.url, ['toxic', 'add', 'plain', '-t', 'hang']), /^faultline: bad request body: type: hang acts on single requests and needs a proxy with a protocol/);
  assert.equal((await api(server, 'GET', '/proxies/web2/toxics')).json.length, 0);
});

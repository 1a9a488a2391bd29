/** Small input defects of issue 14: each answer says what is wrong, once, and nothing dangles. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_URL, Faultline, FaultlineError } from '../../src/client/index.js';
import { ConfigError, parseConfig } from '../../src/server/config-file.js';
import { startServer } from '../../src/server/index.js';
import { cli } from '../cli/cli-run.js';

const EMPTY = 'the file is empty; expected {"proxies": [...]} or a list of proxies';

test('an empty config file (or only comments) says so, in YAML and JSON alike', () => {
  for (const [file, text] of [['e.yaml', ''], ['e.yaml', '# nothing yet\n'], ['e.json', ' \n'], ['e.yml', '---\n']] as const) {
    assert.throws(() => parseConfig(file, text), new ConfigError(`invalid config ${file}: ${EMPTY}`), `${file} ${JSON.stringify(text)}`);
  }
});

test('YAML errors give the place once and end with the reason, not a colon', () => {
  assert.throws(() => parseConfig('x.yaml', 'a: b: c'), (err: Error) => {
    assert.equal(err.message, 'invalid config x.yaml:1:4: not valid YAML: Nested mappings are not allowed in compact mappings');
    return true;
  });
  assert.throws(() => parseConfig('x.yaml', 'proxies: ['), /: invalid config x\.yaml:1:\d+: not valid YAML: [^:]*[^:\s]$/);
});

test('server --help shows one default for the log level', async () => {
  const { stdout, code } = await cli(['server', '--help']);
  assert.equal(code, 0);
  // The option's description may wrap onto the following lines, up to the next option.
  const from = stdout.indexOf('--log-level');
  const next = stdout.indexOf('\n  -', from);
  const text = stdout.slice(from, next < 0 ? undefined : next);
  assert.equal(text.match(/default/g)?.length, 1, text);
});

test('the typed client treats an empty FAULTLINE_URL as unset, as the CLI does', () => {
  const saved = { f: process.env.FAULTLINE_URL, t: process.env.TOXIPROXY_URL };
  try {
    process.env.FAULTLINE_URL = '';
    process.env.TOXIPROXY_URL = '';
    assert.equal(new Faultline().url, DEFAULT_URL);
    process.env.TOXIPROXY_URL = 'http://toxiproxy:8474';
    assert.equal(new Faultline().url, 'http://toxiproxy:8474');
  } finally {
    for (const [key, value] of [['FAULTLINE_URL', saved.f], ['TOXIPROXY_URL', saved.t]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('startServer({proxies}) refuses a bad declaration naming the entry, and leaves nothing running', async () => {
  await assert.rejects(
    startServer({ port: 0, proxies: [{ name: 'p', listen: '127.0.0.1:0', upstream: 7 as unknown as string }] }),
    /^ConfigError: invalid config startServer\(\{proxies\}\): proxies\[0\]\.upstream: expected "host:port", got number 7$/,
  );
});

test('client errors carry the code of what went wrong, read from the server message', async () => {
  const server = await startServer({ port: 0 });
  try {
    const client = new Faultline(server.url);
    await assert.rejects(client.proxy('nope'), (err: FaultlineError) => {
      assert.equal(err.code, 'PROXY_NOT_FOUND');
      assert.deepEqual(err.target, { proxy: 'nope' });
      assert.equal(err.describe(), 'proxy not found: nope');
      return true;
    });
    await client.createProxy({ name: 'p', upstream: '127.0.0.1:1', enabled: false });
    await assert.rejects(client.createProxy({ name: 'p', upstream: '127.0.0.1:1' }), { code: 'PROXY_EXISTS' });
    await assert.rejects(new Faultline('http://127.0.0.1:1').version(), (err: FaultlineError) => err.code === undefined && err.isUnreachable);
  } finally {
    await server.close();
  }
});

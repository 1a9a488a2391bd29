/**
 * How `faultline vaurien` settles its proxies from Vaurien's defaults, ini files (read with the
 * `ini` package from real files) and the command line, and how each maps onto a faultline proxy.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readIni } from '../../src/vaurien/ini.js';
import { proxyConfig } from '../../src/vaurien/proxies.js';
import { settle, type CommandLine } from '../../src/vaurien/settings.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-vaurien-settings-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const noFlags = (values: CommandLine['values'] = {}): CommandLine => ({ values, behaviorOptions: [], http: null });

async function ini(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return readIni(file);
}

test("Vaurien's defaults with nothing given", () => {
  const { proxies, warnings } = settle(noFlags(), []);
  assert.deepEqual(proxies, [
    { name: 'vaurien', proxy: 'localhost:8000', backend: 'localhost:80', protocol: 'tcp', behavior: '100:dummy', options: {}, http: null, origin: 'command line' },
  ]);
  assert.deepEqual(warnings, []);
});

test('ini values: ${ENV}, quotes, yes/no, upper-case keys; the command line wins', async () => {
  process.env.FAULTLINE_VAURIEN_TEST_BACKEND = '127.0.0.1:6380';
  const file = await ini(
    'values.ini',
    `[vaurien]
Backend = \${FAULTLINE_VAURIEN_TEST_BACKEND}
proxy = "127.0.0.1:9000"
protocol = memcache
behavior = 20:delay, 10:error

[behavior:delay]
sleep = 0.25
before = no
`,
  );
  const { proxies } = settle({ values: { proxy: '127.0.0.1:9001' }, behaviorOptions: [['error', 'warmup', '4', '--behavior-error-warmup']], http: null }, [file]);
  const p = proxies[0];
  assert.equal(p?.backend, '127.0.0.1:6380');
  assert.equal(p?.proxy, '127.0.0.1:9001', 'the flag beats the file');
  assert.equal(p?.behavior, '20:delay,10:error');
  assert.deepEqual(p?.options, { delay_sleep: 0.25, delay_before: false, error_warmup: 4 });
  const config = proxyConfig(p as never, []);
  assert.equal(config.protocol, 'memcached');
  assert.deepEqual(config.toxics, [
    { type: 'mix', name: 'vaurien', stream: 'downstream', attributes: { behaviors: '20:delay,10:error', delay_sleep: 0.25, delay_before: false, error_warmup: 4 } },
  ]);
  await assert.rejects(ini('unset.ini', '[vaurien]\nbackend = ${FAULTLINE_VAURIEN_NOT_SET}\n'), /unset\.ini:vaurien\.backend: environment variable FAULTLINE_VAURIEN_NOT_SET is not set/);
});

test('several proxies: [vaurien:NAME] and more files, names unique', async () => {
  const first = await ini('first.ini', '[vaurien]\nproxy = 127.0.0.1:1\n\n[vaurien:cache]\nproxy = 127.0.0.1:2\nhttp_port = 0\n');
  const second = await ini('second.ini', '[vaurien]\nproxy = 127.0.0.1:3\nbehavior = hang\n');
  const { proxies } = settle(noFlags(), [first, second]);
  assert.deepEqual(
    proxies.map((p) => [p.name, p.proxy, p.behavior, p.http]),
    [
      ['vaurien', '127.0.0.1:1', '100:dummy', null],
      ['cache', '127.0.0.1:2', '100:dummy', { host: 'localhost', port: 0 }],
      ['second', '127.0.0.1:3', '100:hang', null],
    ],
  );
  const clash = await ini('clash.ini', '[vaurien:second]\nproxy = 127.0.0.1:4\n');
  assert.throws(() => settle(noFlags(), [first, second, clash]), /clash\.ini:vaurien:second: proxy name "second" is taken by .*second\.ini:vaurien/);
});

test('settings Vaurien had and faultline does not use are warned about, once set', async () => {
  const file = await ini('ignored.ini', '[vaurien]\ntimeout = 30\npool_max_size = 5\n\n[statsd]\nenabled = true\n');
  const { warnings } = settle(noFlags({ sync: true }), [file]);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0] as string, /ignored\.ini:vaurien\.pool_max_size is accepted and ignored: faultline opens one backend connection per client connection/);
  assert.match(warnings[1] as string, /ignored\.ini:statsd is accepted and ignored: faultline exports Prometheus metrics/);
  assert.match(warnings[2] as string, /--sync is accepted and ignored/);
});

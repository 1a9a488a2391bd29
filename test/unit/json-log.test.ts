import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLogger } from '../../src/server/json-log.js';

/** Lines a logger at `level` writes to a file, parsed. */
function logged(level: Parameters<typeof jsonLogger>[0], body: (log: ReturnType<typeof jsonLogger>) => void): Record<string, unknown>[] {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-log-'));
  try {
    const file = join(dir, 'nested', 'server.log');
    body(jsonLogger(level, { version: '9.9.9' }, file));
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("lines are pino's: level number, time, base fields, the call's fields, msg; below the level nothing", () => {
  const lines = logged('info', (log) => {
    log.debug({ a: 1 }, 'hidden');
    log.info({ proxy: 'redis', n: 2n }, 'Created proxy');
    log.warn('a bare message');
    assert.equal(log.isLevelEnabled('debug'), false);
    assert.equal(log.isLevelEnabled('warn'), true);
  });
  assert.equal(lines.length, 2);
  const [created, bare] = lines as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(Object.keys(created), ['level', 'time', 'version', 'proxy', 'n', 'msg']);
  assert.equal(created.level, 30);
  assert.equal(typeof created.time, 'number');
  assert.equal(created.version, '9.9.9');
  assert.equal(created.n, '2', 'a BigInt is written as its digits rather than throwing');
  assert.deepEqual({ level: bare.level, msg: bare.msg }, { level: 40, msg: 'a bare message' });
});

test("an err is written as pino's serializer writes it; a field that cannot be written costs the line's fields, not the server", () => {
  const err = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const [withErr, withCycle] = logged('trace', (log) => {
    log.error({ err, request_id: 'x' }, 'Unexpected error in API handler');
    log.info({ cycle }, 'cyclic');
  }) as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(withErr.err, { type: 'TypeError', message: 'boom', stack: err.stack, code: 'E_BOOM' });
  assert.equal(withErr.level, 50);
  assert.equal(withCycle.msg, 'cyclic');
  assert.match(String(withCycle.log_error), /circular/i);
});

test('silent writes nothing and opens nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-log-'));
  try {
    const log = jsonLogger('silent', {}, join(dir, 'never', 'x.log'));
    log.fatal({}, 'not written');
    assert.throws(() => readFileSync(join(dir, 'never', 'x.log')), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

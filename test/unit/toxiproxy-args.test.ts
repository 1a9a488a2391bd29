import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseArgs } from '../../src/cli/toxiproxy-args.js';

test('toxiproxy-server single-dash flags become server options', () => {
  assert.deepEqual(normaliseArgs(['-host=0.0.0.0', '-port', '8475', '-config', 'p.json']), [
    'server',
    '--host=0.0.0.0',
    '--port',
    '8475',
    '--config',
    'p.json',
  ]);
  assert.deepEqual(normaliseArgs(['server', '-proxy-metrics', '-runtime-metrics=false', '-seed=7']), [
    'server',
    '--proxy-metrics',
    '--seed=7',
  ]);
  assert.deepEqual(normaliseArgs(['-version']), ['server', '--version']);
});

test('other commands and global flags are left alone', () => {
  assert.deepEqual(normaliseArgs(['--help']), ['--help']);
  assert.deepEqual(normaliseArgs(['list', '-h']), ['list', '-h']);
  assert.deepEqual(normaliseArgs([]), []);
});

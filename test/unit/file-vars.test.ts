import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileVars } from '../../src/cli/file-vars.js';
import { UserError } from '../../src/cli/user-error.js';

test('--var NAME=VALUE goes over the environment; a pair without a name is refused, saying which', () => {
  process.env.FL_FILE_VARS_TEST = 'from env';
  const vars = fileVars(['A=1', 'EMPTY=', 'URL=http://x/?a=b', 'FL_FILE_VARS_TEST=from flag']);
  assert.equal(vars.A, '1');
  assert.equal(vars.EMPTY, '');
  assert.equal(vars.URL, 'http://x/?a=b');
  assert.equal(vars.FL_FILE_VARS_TEST, 'from flag');
  assert.equal(fileVars().FL_FILE_VARS_TEST, 'from env');
  for (const bad of ['bad', '=value']) {
    assert.throws(() => fileVars([bad]), (err: unknown) => err instanceof UserError && err.message === `--var takes NAME=VALUE, got "${bad}"`);
  }
});

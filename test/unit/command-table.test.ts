import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { COMMANDS } from '../../src/cli/command-table.js';
import { invokedCommand, normaliseArgs } from '../../src/cli/toxiproxy-args.js';

test("the command table names each command as its module declares it: name, then aliases", async () => {
  for (const entry of COMMANDS) {
    const program = new Command('faultline');
    (await entry.load())(program);
    assert.equal(program.commands.length, 1, `${entry.names[0]}: one command per module`);
    const command = program.commands[0] as Command;
    assert.deepEqual([command.name(), ...command.aliases()], entry.names);
  }
});

test('the command a run names, after the global flags and their values; none for flags alone', () => {
  const names = new Set(COMMANDS.flatMap((c) => c.names));
  const named = (...args: string[]) => invokedCommand(normaliseArgs(args, names), names);
  assert.equal(named('--host', 'http://127.0.0.1:8474', 'ls'), 'ls');
  assert.equal(named('--api-token', 'list', 'inspect', 'redis'), 'inspect');
  assert.equal(named('-host', 'http://x:1', 'list'), 'list');
  assert.equal(named('-host=0.0.0.0', '-port', '8475'), 'server');
  assert.equal(named('toxic', 'add', 'redis', '-t', 'latency'), 'toxic');
  assert.equal(named('--help'), undefined);
  assert.equal(named('lst'), undefined);
  assert.equal(named(), undefined);
});

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../api/version.js';
import { registerServer } from './commands/server.js';
import { normaliseArgs } from './toxiproxy-args.js';
import { UserError } from './user-error.js';

const program = new Command('faultline')
  .description('fault-injection proxy and resilience-testing kit, compatible with Toxiproxy')
  .version(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})`)
  .exitOverride();

registerServer(program);

try {
  await program.parseAsync(normaliseArgs(process.argv.slice(2)), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof UserError) {
    process.stderr.write(`faultline: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../api/version.js';
import { FaultlineError } from '../client/errors.js';
import { COMMANDS } from './command-table.js';
import { apiTokenOption, hostOption, jsonOption } from './options.js';
import { invokedCommand, misusedHostShorthand, normaliseArgs } from './toxiproxy-args.js';
import { UserError } from './user-error.js';

const commandNames = new Set(COMMANDS.flatMap((c) => c.names));

const program = new Command('faultline')
  .description('fault-injection proxy and resilience-testing kit, compatible with Toxiproxy')
  .version(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})`)
  .addOption(hostOption())
  .addOption(jsonOption())
  .addOption(apiTokenOption())
  .enablePositionalOptions()
  .exitOverride()
  .addHelpText(
    'after',
    `
-h is --help, as in most tools; toxiproxy-cli's -h URL is --host URL here.

Examples:
  faultline server
  faultline create redis -l 127.0.0.1:26379 -u 127.0.0.1:6379
  faultline toxic add redis -t latency -a latency=500
  faultline --host http://toxiproxy:8474 list`,
  );

/**
 * Declares the command `args` name; none for the program's --version; every command when they
 * name none (help, a typo to suggest a name for).
 */
async function declareCommands(args: readonly string[]): Promise<void> {
  const named = invokedCommand(args, commandNames);
  if (named === undefined && (args.includes('--version') || args.includes('-V'))) return;
  const needed = COMMANDS.filter((c) => named === undefined || c.names.includes(named));
  for (const register of await Promise.all(needed.map((c) => c.load()))) register(program);
}

/** The server's words (`proxy not found`) or the client's (`cannot reach server at …`), on one line. */
function fail(message: string): never {
  process.stderr.write(`faultline: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
}

/**
 * `--plugin PATH` (repeatable) works with every command: the types it registers are known to
 * the server it starts, the `-t` help and the attribute checks of `toxic add`. Taken out before
 * commander parses, so it can be loaded before any command runs.
 */
function pluginArgs(args: readonly string[]): { rest: string[]; plugins: string[] } {
  const rest: string[] = [];
  const plugins: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (arg === '--plugin' || arg === '-plugin') {
      const path = args[++i];
      if (path === undefined || path.startsWith('-')) throw new UserError('--plugin needs a path to a JavaScript or TypeScript module');
      plugins.push(path);
    } else if (arg.startsWith('--plugin=')) plugins.push(arg.slice('--plugin='.length));
    else rest.push(arg);
  }
  return { rest, plugins };
}

async function loadPlugins(paths: readonly string[]): Promise<void> {
  const { loadPluginFiles, PluginError } = await import('../server/plugins.js');
  try {
    await loadPluginFiles(paths);
  } catch (err) {
    if (err instanceof PluginError) throw new UserError(`cannot load --plugin ${err.message}`);
    throw err;
  }
}

/**
 * A function rather than top-level await, so the CLI can also be bundled into a CommonJS file
 * for the single executable (Node 20's SEA runs only CommonJS).
 */
async function main(): Promise<void> {
  try {
    const { rest: args, plugins } = pluginArgs(process.argv.slice(2));
    if (plugins.length > 0) await loadPlugins(plugins);
    const mistake = misusedHostShorthand(args);
    if (mistake !== undefined) throw new UserError(mistake);
    const normalised = normaliseArgs(args, commandNames);
    await declareCommands(normalised);
    await program.parseAsync(normalised, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof FaultlineError) fail(err.describe());
    if (err instanceof UserError) fail(err.message);
    // A bug: left unhandled, so Node prints the stack and exits 1.
    throw err;
  }
}

void main();

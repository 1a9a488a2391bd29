import type { Command } from 'commander';
import { isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

interface CreateFlags {
  listen: string;
  upstream: string;
}

async function create(name: string, flags: CreateFlags, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.createProxy({ name, listen: flags.listen, upstream: flags.upstream, enabled: true });
  if (json) return printJson(proxy);
  print(`Created new proxy ${name}`);
  // A listen port of 0 is bound to a free port: on a terminal, say which.
  if (isTerminal()) print(`Listening on ${proxy.listen}, forwarding to ${proxy.upstream}`);
}

export function registerCreate(program: Command): void {
  program.command('create')
    .aliases(['c', 'new'])
    .argument('<proxy>', 'name of the new proxy')
    .requiredOption('-l, --listen <addr>', 'address the proxy listens on, host:port (port 0 picks a free one)')
    .requiredOption('-u, --upstream <addr>', 'address the proxy forwards to, host:port')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('create a proxy, enabled')
    .addHelpText(
      'after',
      `
Examples:
  faultline create redis -l 127.0.0.1:26379 -u 127.0.0.1:6379
  faultline create pg --listen 127.0.0.1:0 --upstream db.internal:5432 --json`,
    )
    .action((name: string, flags: CreateFlags, command: Command) => create(name, flags, command));
}

import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

async function reset(command: Command): Promise<void> {
  const { client, json } = remote(command);
  await client.reset();
  // POST /reset answers with no body: --json shows the proxies as they are after it.
  if (json) return printJson(await client.proxies());
  print('Reset all proxies: every proxy enabled, every toxic removed');
}

export function registerReset(program: Command): void {
  program.command('reset')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('enable every proxy and remove every toxic')
    .addHelpText(
      'after',
      `
Examples:
  faultline reset
  FAULTLINE_URL=http://ci-proxy:8474 faultline reset`,
    )
    .action((_flags: unknown, command: Command) => reset(command));
}

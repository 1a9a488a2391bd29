import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

async function remove(name: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  await proxy.delete();
  // DELETE answers with no body: --json shows the proxy as it was just before.
  if (json) return printJson(proxy);
  print(`Deleted proxy ${name}`);
}

export function registerDelete(program: Command): void {
  program.command('delete')
    .alias('d')
    .argument('<proxy>', 'proxy name')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('delete a proxy, closing its listener and connections')
    .addHelpText(
      'after',
      `
Examples:
  faultline delete redis
  faultline d redis --json`,
    )
    .action((name: string, _flags: unknown, command: Command) => remove(name, command));
}

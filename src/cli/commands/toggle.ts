import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

async function toggle(name: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  await (proxy.enabled ? proxy.disable() : proxy.enable());
  if (json) return printJson(proxy);
  print(`Proxy ${name} is now ${proxy.enabled ? 'enabled' : 'disabled'}`);
}

export function registerToggle(program: Command): void {
  program.command('toggle')
    .alias('tog')
    .argument('<proxy>', 'proxy name')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('enable a disabled proxy, or disable an enabled one (closing its connections)')
    .addHelpText(
      'after',
      `
A disabled proxy refuses new connections and closes its open ones: the dependency is "down".

Examples:
  faultline toggle redis
  faultline tog redis --json`,
    )
    .action((name: string, _flags: unknown, command: Command) => toggle(name, command));
}

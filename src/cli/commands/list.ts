import type { Command } from 'commander';
import type { ProxyHandle } from '../../client/index.js';
import { formatTable, formatTsv, isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

const enabledText = (proxy: ProxyHandle): string => (proxy.enabled ? 'enabled' : 'disabled');

async function list(command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxies = await client.proxies();
  if (json) return printJson(proxies);
  const sorted = Object.values(proxies).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!isTerminal()) {
    if (sorted.length > 0) print(formatTsv(sorted.map((p) => [p.name, p.listen, p.upstream, enabledText(p), String(p.toxics.length)])));
    return;
  }
  if (sorted.length === 0) return print('No proxies. Create one with: faultline create NAME -l ADDR -u ADDR');
  const rows = sorted.map((p) => [p.name, p.listen, p.upstream, enabledText(p), p.toxics.length === 0 ? 'none' : String(p.toxics.length)]);
  print(formatTable(['NAME', 'LISTEN', 'UPSTREAM', 'STATE', 'TOXICS'], rows));
}

export function registerList(program: Command): void {
  program.command('list')
    .aliases(['l', 'li', 'ls'])
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('list every proxy with its addresses, state and number of toxics')
    .addHelpText(
      'after',
      `
Piped, each proxy is one tab-separated line: name, listen, upstream, enabled|disabled, toxics.

Examples:
  faultline list
  faultline ls --host http://toxiproxy:8474
  faultline list --json | jq -r 'keys[]'`,
    )
    .action((_flags: unknown, command: Command) => list(command));
}

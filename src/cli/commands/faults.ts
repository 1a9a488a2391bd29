import type { Command } from 'commander';
import { formatTable, formatTsv, isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

interface FaultsFlags {
  toxic?: string;
  clear?: boolean;
}

async function faults(name: string, flags: FaultsFlags, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  if (flags.clear === true) {
    await proxy.clearFaults();
    if (!json) print(`Cleared the fault log of proxy '${name}'`);
    return;
  }
  const list = await proxy.faults(flags.toxic === undefined ? {} : { toxic: flags.toxic });
  if (json) return printJson(list);
  const rows = list.map((f) => [f.at, String(f.connection), String(f.request), `${f.method} ${f.path}`, f.toxic, f.action]);
  if (!isTerminal()) {
    if (rows.length > 0) print(formatTsv(rows));
    return;
  }
  if (rows.length === 0) return print(`No faults have fired on proxy '${name}'.`);
  print(formatTable(['AT', 'CONN', 'REQ', 'REQUEST', 'TOXIC', 'ACTION'], rows));
}

export function registerFaults(program: Command): void {
  program.command('faults')
    .argument('<proxy>', 'proxy name')
    .option('--toxic <name>', 'only the faults of this toxic')
    .option('--clear', 'empty the log instead of printing it')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('show the request-level faults that fired on a proxy: which request got what')
    .addHelpText(
      'after',
      `
The server keeps the last 1,000 per proxy; a reset empties them. Piped, each fault is one
tab-separated line: time, connection, request number on it, method and path, toxic, action.

Examples:
  faultline faults web
  faultline faults web --toxic error_downstream --json
  faultline faults web --clear`,
    )
    .action((name: string, flags: FaultsFlags, command: Command) => faults(name, flags, command));
}

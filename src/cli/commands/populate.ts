import type { Command } from 'commander';
import { FaultlineError } from '../../client/errors.js';
import type { Faultline, ProxyHandle } from '../../client/index.js';
import { print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';
import { UserError } from '../user-error.js';

/**
 * populateFromFile reads, parses and sends the file; what goes wrong before the request is the
 * file's fault. It reaches into the document without checking its shape, so a document that is
 * neither an array nor `{"proxies": [...]}` surfaces as a TypeError from that code.
 */
async function populateFrom(client: Faultline, file: string): Promise<ProxyHandle[]> {
  try {
    return await client.populateFromFile(file);
  } catch (err) {
    if (err instanceof FaultlineError) {
      // The server's refusal concerns the file; "cannot reach server" does not.
      throw err.isUnreachable ? err : new UserError(`${file}: ${err.message}`);
    }
    if (typeof (err as NodeJS.ErrnoException).code === 'string') {
      throw new UserError(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (err instanceof TypeError) {
      throw new UserError(`${file}: expected an array of proxies or {"proxies": [...]}, and "toxics" (if any) an array`);
    }
    if (err instanceof Error && err.message.startsWith(file)) throw new UserError(err.message);
    throw err;
  }
}

async function populate(file: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxies = await populateFrom(client, file);
  if (json) return printJson({ proxies });
  const names = proxies.map((p) => p.name).join(', ');
  print(`Populated ${proxies.length} ${proxies.length === 1 ? 'proxy' : 'proxies'} from ${file}${names === '' ? '' : `: ${names}`}`);
}

export function registerPopulate(program: Command): void {
  program.command('populate')
    .argument('<file>', 'JSON file: an array of proxies, or {"proxies": [...]}')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('create or replace the proxies a JSON file lists, with their toxics')
    .addHelpText(
      'after',
      `
The file is Toxiproxy's populate format: [{"name", "listen", "upstream", "enabled"}, ...].
An entry may also list "toxics" (as the API takes them); they are added after the proxies,
which works against Toxiproxy too, whose populate ignores them. Proxies that exist and are
unchanged are kept as they are.

Examples:
  faultline populate proxies.json
  faultline populate proxies.json --json`,
    )
    .action((file: string, _flags: unknown, command: Command) => populate(file, command));
}

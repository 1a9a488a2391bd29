import type { Command } from 'commander';
import { isProtocol, PROTOCOLS } from '../../api/protocols.js';
import type { ProxyExtras } from '../../api/proxy.js';
import { UserError } from '../user-error.js';
import { isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

interface CreateFlags {
  listen: string;
  upstream: string;
  protocol?: string;
  envoyFaultHeaders?: boolean;
  maxActiveFaults?: string;
  tls?: string;
}

function extras(flags: CreateFlags): ProxyExtras {
  const out: ProxyExtras = {};
  if (flags.protocol !== undefined) {
    if (!isProtocol(flags.protocol)) throw new UserError(`unknown protocol ${JSON.stringify(flags.protocol)}; expected one of ${PROTOCOLS.join(', ')}`);
    out.protocol = flags.protocol;
  }
  if (flags.envoyFaultHeaders === true) out.envoy_fault_headers = true;
  if (flags.maxActiveFaults !== undefined) {
    if (!/^\d+$/.test(flags.maxActiveFaults)) throw new UserError(`invalid --max-active-faults ${JSON.stringify(flags.maxActiveFaults)}: expected a whole number (0: no cap)`);
    out.max_active_faults = Number(flags.maxActiveFaults);
  }
  if (flags.tls !== undefined) {
    if (flags.tls !== 'refuse' && flags.tls !== 'pass') throw new UserError(`invalid --tls ${JSON.stringify(flags.tls)}: expected refuse or pass`);
    out.tls = flags.tls;
  }
  return out;
}

async function create(name: string, flags: CreateFlags, command: Command): Promise<void> {
  const settings = extras(flags);
  const { client, json } = remote(command);
  const proxy = await client.createProxy({ name, listen: flags.listen, upstream: flags.upstream, enabled: true, ...settings });
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
    .option('--protocol <name>', `how traffic is framed: ${PROTOCOLS.join(', ')} (default tcp); http allows request-level toxics`)
    .option('--envoy-fault-headers', "obey Envoy's x-envoy-fault-* request headers (http only)")
    .option('--max-active-faults <n>', 'cap on requests faulted by those headers at once (default 100; 0: no cap)')
    .option('--tls <mode>', 'postgres, mysql: refuse TLS so the session can be faulted (default), or pass it through unframed')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('create a proxy, enabled')
    .addHelpText(
      'after',
      `
Examples:
  faultline create redis -l 127.0.0.1:26379 -u 127.0.0.1:6379
  faultline create pg --listen 127.0.0.1:0 --upstream db.internal:5432 --json
  faultline create web -l 127.0.0.1:8080 -u 127.0.0.1:9080 --protocol http
  faultline create pg -l 127.0.0.1:25432 -u 127.0.0.1:5432 --protocol postgres --tls pass`,
    )
    .action((name: string, flags: CreateFlags, command: Command) => create(name, flags, command));
}

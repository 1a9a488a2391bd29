import type { Command } from 'commander';
import type { Toxic } from '../../api/toxic.js';
import { formatFields, formatTable, formatTsv, isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

/**
 * Go's `%.2f`, as toxiproxy-cli prints toxicity: the exact binary value rounded, ties to even.
 * `toFixed` breaks ties upward instead, and at two decimals the only exact ties are the odd
 * eighths (0.125 is "0.12" in Go, "0.13" from toFixed).
 */
function goFixed2(x: number): string {
  const hundredths = x * 100;
  if (hundredths % 1 !== 0.5) return x.toFixed(2);
  const down = Math.floor(hundredths);
  return ((down % 2 === 0 ? down : down + 1) / 100).toFixed(2);
}

/** toxiproxy-cli's non-TTY line, which scripts already parse: attributes sorted by name. */
function toxicLine(t: Toxic): string[] {
  const attributes = Object.entries(t.attributes as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v)}`);
  return [t.name, `type=${t.type}`, `stream=${t.stream}`, `toxicity=${goFixed2(t.toxicity)}`, 'attributes=[', ...attributes, ']'];
}

async function inspect(name: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  if (json) return printJson(proxy);
  if (!isTerminal()) {
    if (proxy.toxics.length > 0) print(formatTsv(proxy.toxics.map(toxicLine)));
    return;
  }
  print(
    formatFields([
      ['Name', proxy.name],
      ['Listen', proxy.listen],
      ['Upstream', proxy.upstream],
      ['State', proxy.enabled ? 'enabled' : 'disabled'],
      ['Protocol', proxy.protocol + (proxy.envoyFaultHeaders ? ` (Envoy fault headers obeyed, at most ${proxy.maxActiveFaults} at once)` : '')],
    ]),
  );
  print();
  if (proxy.toxics.length === 0) return print(`No toxics. Add one with: faultline toxic add ${name} -t TYPE -a key=value`);
  // The toxic definitions (zod) are loaded only when there are toxics to explain.
  const { explain } = await import('../toxic-flags.js');
  const rows = proxy.toxics.map((t) => [t.name, t.type, t.stream, String(t.toxicity), explain(t.type, t.attributes as Record<string, unknown>)]);
  print(formatTable(['TOXIC', 'TYPE', 'STREAM', 'TOXICITY', 'EFFECT'], rows));
}

export function registerInspect(program: Command): void {
  program.command('inspect')
    .aliases(['i', 'ins'])
    .argument('<proxy>', 'proxy name')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('show a proxy and its toxics, each with a line saying what it does')
    .addHelpText(
      'after',
      `
Piped, each toxic is one tab-separated line, as toxiproxy-cli prints it:
  name  type=…  stream=…  toxicity=0.50  attributes=[  key=value…  ]

Examples:
  faultline inspect redis
  faultline i redis --json`,
    )
    .action((name: string, _flags: unknown, command: Command) => inspect(name, command));
}

import type { Command } from 'commander';
import type { PresetJson } from '../../api/presets.js';
import { formatTable, formatTsv, isTerminal, print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';

const kb = (rate: number | null): string => (rate === null ? '-' : `${rate} KB/s`);

function row(p: PresetJson): string[] {
  const f = p.figures;
  return [p.name, `${f.rtt_ms} ms`, f.jitter_ms > 0 ? `±${f.jitter_ms} ms` : '-', kb(f.down_kbps), kb(f.up_kbps), f.slice_bytes === null ? '-' : `${f.slice_bytes} B`, p.source];
}

async function list(command: Command): Promise<void> {
  const { client, json } = remote(command);
  const presets = await client.presets();
  if (json) return printJson(presets);
  const rows = presets.map(row);
  if (!isTerminal()) return print(formatTsv(rows));
  print(formatTable(['NAME', 'RTT', 'JITTER', 'DOWN', 'UP', 'SLICES', 'SOURCE'], rows));
}

async function apply(preset: string, name: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  const result = await proxy.applyPreset(preset);
  if (json) return printJson({ preset: result.preset, proxy: result.proxy, toxics: result.toxics });
  print(`Applied preset ${result.preset} to proxy ${name}: ${result.toxics.join(', ')}`);
}

async function remove(preset: string, name: string, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const proxy = await client.proxy(name);
  await proxy.removePreset(preset);
  if (json) return printJson(proxy);
  print(`Removed preset ${preset} from proxy ${name}`);
}

export function registerPreset(program: Command): void {
  const preset = program
    .command('preset')
    .description('network presets (3g, edge, satellite, lossy-wifi, dsl, offline, …): a real link as one group of toxics')
    .addHelpText(
      'after',
      `
A preset's toxics are named preset_<name>_<toxic>_<stream>; a proxy has one preset at a time,
so applying another replaces it. Figures and sources: docs/presets.md.

Examples:
  faultline preset list
  faultline preset apply 3g redis
  faultline preset remove 3g redis`,
    );
  preset.command('list')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('list the presets with their figures and sources')
    .action((_flags: unknown, command: Command) => list(command));
  preset.command('apply')
    .argument('<preset>', 'preset name, e.g. 3g')
    .argument('<proxy>', 'proxy name')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('put a preset on a proxy, replacing the preset already on it')
    .action((name: string, proxy: string, _flags: unknown, command: Command) => apply(name, proxy, command));
  preset.command('remove')
    .alias('rm')
    .argument('<preset>', 'preset name')
    .argument('<proxy>', 'proxy name')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description("take a preset's toxics off a proxy")
    .action((name: string, proxy: string, _flags: unknown, command: Command) => remove(name, proxy, command));
}

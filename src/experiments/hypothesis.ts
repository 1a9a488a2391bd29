import type { Faultline } from '../client/index.js';
import { runProbe } from './probes.js';
import type { HypothesisRun } from './run-data.js';
import type { Probe } from './schema.js';

/** Runs a phase's probes together; the hypothesis is met when every one is. */
export async function hypothesis(probes: readonly Probe[], clients: ReadonlyMap<string, Faultline>): Promise<HypothesisRun> {
  const results = await Promise.all(probes.map(async (probe) => ({ probe, result: await runProbe(probe, clients) })));
  return { met: results.every((r) => r.result.ok), probes: results };
}

export function missed(h: HypothesisRun): string {
  return h.probes.filter((p) => !p.result.ok).map((p) => `${p.probe.name} (${p.result.detail})`).join('; ');
}


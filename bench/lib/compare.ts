import type { TargetName } from './targets.js';

/** One value per round for each target. */
export type PerTarget = Partial<Record<TargetName, number[]>>;

export function push(values: PerTarget, target: TargetName, value: number): void {
  (values[target] ??= []).push(value);
}

/** Each proxy's value divided by direct's value of the same round. */
export function ratiosToDirect(values: PerTarget): PerTarget {
  const direct = values.direct ?? [];
  const out: PerTarget = {};
  for (const [target, list] of Object.entries(values) as [TargetName, number[]][]) {
    if (target === 'direct') continue;
    out[target] = list.map((v, i) => v / (direct[i] as number));
  }
  return out;
}

/** Each proxy's value minus direct's value of the same round. */
export function differencesToDirect(values: PerTarget): PerTarget {
  const direct = values.direct ?? [];
  const out: PerTarget = {};
  for (const [target, list] of Object.entries(values) as [TargetName, number[]][]) {
    if (target === 'direct') continue;
    out[target] = list.map((v, i) => v - (direct[i] as number));
  }
  return out;
}

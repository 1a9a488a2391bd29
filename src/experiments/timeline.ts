import { seededRandom } from './random.js';
import type { Action, Fault, Step } from './schema.js';

/** One thing the method does, placed on the clock (ms from the method's start). */
export interface PlannedStep {
  key: string;
  name: string;
  kind: 'fault' | 'down' | 'wait' | 'action';
  startMs: number;
  /** Infinity: until the method ends. */
  endMs: number;
  fault?: Fault;
  down?: { server?: string | undefined; proxy: string };
  ramp?: Step['ramp'];
  flap?: Step['flap'];
  action?: Action;
  /** For steps a random schedule picked: its step index and seed, to replay the run. */
  random?: { step: number; seed: number };
}

export interface Plan {
  steps: PlannedStep[];
  durationMs: number;
  /** The seed each random step used, by step index. */
  seeds: Record<number, number>;
}

function downTarget(d: NonNullable<Step['down']>): { server?: string | undefined; proxy: string } {
  return typeof d === 'string' ? { proxy: d } : d;
}

function describeFault(f: Fault): string {
  const attrs = Object.entries(f.attributes).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  return `${f.type}${attrs === '' ? '' : ` ${attrs}`} on ${f.proxy}${f.stream === 'upstream' ? ' (upstream)' : ''}`;
}

/**
 * Places every step on the clock. A step with `at` starts there; one without starts when the
 * previous step ends. Random schedules are expanded here, from their seed, so the plan — and
 * the journal — says exactly what will happen and when.
 */
export function planTimeline(steps: readonly Step[], durationMs: number | undefined, seedFor: (index: number) => number): Plan {
  const out: PlannedStep[] = [];
  const seeds: Record<number, number> = {};
  let cursor = 0;
  steps.forEach((step, i) => {
    const start = step.at ?? cursor;
    const length = step.wait ?? step.for;
    const end = length === undefined ? Infinity : start + length;
    cursor = step.action !== undefined && length === undefined ? start : end === Infinity ? start : end;
    const key = `${i + 1}`;
    if (step.fault !== undefined) {
      out.push({ key, name: step.name ?? `${step.ramp ? 'ramp ' : step.flap ? 'flap ' : ''}${describeFault(step.fault)}`, kind: 'fault', startMs: start, endMs: end, fault: step.fault, ramp: step.ramp, flap: step.flap });
    } else if (step.down !== undefined) {
      const d = downTarget(step.down);
      out.push({ key, name: step.name ?? `${step.flap ? 'flap ' : ''}take ${d.proxy} down`, kind: 'down', startMs: start, endMs: end, down: d, flap: step.flap });
    } else if (step.wait !== undefined) {
      out.push({ key, name: step.name ?? `wait ${step.wait} ms`, kind: 'wait', startMs: start, endMs: end });
    } else if (step.action !== undefined) {
      const a = step.action;
      const what = a.name ?? (a.http !== undefined ? `${a.http.method} ${a.http.url}` : `run ${JSON.stringify(a.command?.run)}`);
      out.push({ key, name: step.name ?? what, kind: 'action', startMs: start, endMs: start, action: a });
    } else if (step.random !== undefined) {
      const r = step.random;
      const seed = r.seed ?? seedFor(i);
      seeds[i] = seed;
      const rnd = seededRandom(seed);
      const between = ([lo, hi]: readonly [number, number]): number => lo + rnd() * (hi - lo);
      let t = start + between(r.every);
      let n = 0;
      while (t < end) {
        const choice = r.faults[Math.floor(rnd() * r.faults.length)] as (typeof r.faults)[number];
        const length = Math.round(between(r.for));
        const stop = Math.min(end, t + length);
        const k = `${key}.${++n}`;
        const at = Math.round(t);
        if (choice.fault !== undefined) out.push({ key: k, name: `random: ${describeFault(choice.fault)}`, kind: 'fault', startMs: at, endMs: stop, fault: choice.fault, random: { step: i + 1, seed } });
        else {
          const d = downTarget(choice.down as NonNullable<Step['down']>);
          out.push({ key: k, name: `random: take ${d.proxy} down`, kind: 'down', startMs: at, endMs: stop, down: d, random: { step: i + 1, seed } });
        }
        t = stop + between(r.every);
      }
    }
  });
  const lastEnd = Math.max(0, ...out.map((s) => (s.endMs === Infinity ? s.startMs : s.endMs)));
  return { steps: out.sort((a, b) => a.startMs - b.startMs), durationMs: durationMs ?? lastEnd, seeds };
}

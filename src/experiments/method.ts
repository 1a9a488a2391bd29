import { runCommand } from './command.js';
import type { FaultController } from './faults.js';
import { httpCall, statusMatches } from './probes.js';
import type { Action } from './schema.js';
import type { PlannedStep } from './timeline.js';

/** A step as it ran, for the journal (Chaos Toolkit's run record) and the report's shading. */
export interface StepRecord {
  step: PlannedStep;
  status: 'pending' | 'running' | 'succeeded' | 'failed';
  start?: Date;
  end?: Date;
  /** ms from the method's start, for charts. */
  startMs?: number;
  endMs?: number;
  output?: unknown;
  error?: string;
  /** For flapping faults: each [on, off) stretch. */
  windows: [number, number][];
}

export async function runAction(a: Action, signal?: AbortSignal): Promise<{ ok: boolean; output: unknown; error?: string }> {
  if (a.http !== undefined) {
    try {
      const out = await httpCall(a.http, signal);
      const ok = statusMatches(a.http.status, out.status);
      return { ok, output: { status: out.status, headers: out.headers, body: out.body }, ...(ok ? {} : { error: `status ${out.status}, expected ${JSON.stringify(a.http.status)}` }) };
    } catch (err) {
      return { ok: false, output: null, error: (err as Error).message };
    }
  }
  const c = a.command as NonNullable<Action['command']>;
  const r = await runCommand(c.run, c.timeout, undefined, signal);
  const ok = !r.timedOut && r.status === c.exit_code;
  return { ok, output: { status: r.status, stdout: r.stdout, stderr: r.stderr }, ...(ok ? {} : { error: r.timedOut ? `timed out after ${c.timeout} ms` : `exit status ${r.status ?? r.signal}, expected ${c.exit_code}` }) };
}

/**
 * Runs a plan against the clock. Operations on one step are chained, so a flap's "off" never
 * overtakes its "on". A fault that cannot be applied is fatal: `onFatal` is told and the
 * runner aborts and rolls back.
 */
export class MethodRun {
  readonly records: StepRecord[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private t0 = 0;
  private stopped = false;

  constructor(
    steps: readonly PlannedStep[],
    private readonly durationMs: number,
    private readonly faults: FaultController,
    private readonly onFatal: (err: Error, step: PlannedStep) => void,
    private readonly onEvent: (message: string) => void,
  ) {
    this.records = steps.map((step) => ({ step, status: 'pending', windows: [] }));
  }

  elapsed(): number {
    return performance.now() - this.t0;
  }

  /** Resolves when the method's duration has passed (or stop() was called). */
  start(): Promise<void> {
    this.t0 = performance.now();
    for (const r of this.records) this.at(r.step.startMs, () => this.begin(r));
    return new Promise((resolve) => {
      this.at(this.durationMs, resolve);
      this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Cancels what is scheduled and waits for operations under way; rollback follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.chains.values()]);
    const end = this.elapsed();
    for (const r of this.records) {
      if (r.status === 'running') this.finish(r, end, r.error === undefined ? 'succeeded' : 'failed');
      const open = r.windows.at(-1);
      if (open !== undefined && open[1] === Infinity) open[1] = end;
    }
  }

  private at(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, Math.max(0, ms - this.elapsed()));
    this.timers.add(timer);
  }

  private chain(r: StepRecord, op: () => Promise<void>): void {
    const prev = this.chains.get(r.step.key) ?? Promise.resolve();
    const next = prev.then(async () => {
      if (this.stopped && r.status !== 'running') return;
      try {
        await op();
      } catch (err) {
        r.error = (err as Error).message;
        r.status = 'failed';
        if (!this.stopped) this.onFatal(err as Error, r.step);
      }
    });
    this.chains.set(r.step.key, next);
  }

  private finish(r: StepRecord, at: number, status: 'succeeded' | 'failed'): void {
    r.status = status;
    r.end = new Date();
    r.endMs = at;
  }

  private begin(r: StepRecord): void {
    const s = r.step;
    r.status = 'running';
    r.start = new Date();
    r.startMs = this.elapsed();
    const ends = s.endMs !== Infinity && s.endMs < this.durationMs;
    switch (s.kind) {
      case 'wait':
        this.at(s.endMs, () => this.finish(r, this.elapsed(), 'succeeded'));
        return;
      case 'action':
        this.chain(r, async () => {
          const out = await runAction(s.action as Action, this.abort.signal);
          r.output = out.output;
          if (out.error !== undefined) r.error = out.error;
          this.finish(r, this.elapsed(), out.ok ? 'succeeded' : 'failed');
          this.onEvent(`action ${s.name}: ${out.ok ? 'ok' : out.error}`);
        });
        return;
      case 'fault':
      case 'down':
        this.startFault(r, ends);
    }
  }

  private on(r: StepRecord, value?: Record<string, unknown>): Promise<void> {
    const s = r.step;
    r.windows.push([this.elapsed(), Infinity]);
    if (s.kind === 'down') return this.faults.down(s.key, s.down?.server, s.down?.proxy as string);
    return this.faults.apply(s.key, s.fault as NonNullable<PlannedStep['fault']>, value);
  }

  private async off(r: StepRecord): Promise<void> {
    await this.faults.remove(r.step.key);
    const open = r.windows.at(-1);
    if (open !== undefined) open[1] = this.elapsed();
  }

  private startFault(r: StepRecord, ends: boolean): void {
    const s = r.step;
    const endAt = ends ? s.endMs : this.durationMs;
    if (s.ramp !== undefined) {
      const ramp = s.ramp;
      const over = ramp.over ?? endAt - s.startMs;
      const valueAt = (t: number): Record<string, unknown> => {
        const f = Math.min(1, Math.max(0, t / over));
        return { ...s.fault?.attributes, [ramp.attribute]: Math.round(ramp.from + (ramp.to - ramp.from) * f) };
      };
      this.chain(r, () => this.on(r, valueAt(0)).then(() => this.onEvent(`fault on: ${s.name}`)));
      for (let t = ramp.every; t < over + ramp.every && s.startMs + t < endAt; t += ramp.every) {
        const at = Math.min(t, over);
        this.at(s.startMs + at, () => this.chain(r, () => this.faults.update(s.key, valueAt(at))));
      }
    } else if (s.flap !== undefined) {
      const { on, off } = s.flap;
      for (let t = s.startMs; t < endAt; t += on + off) {
        const up = t;
        this.at(up, () => this.chain(r, () => this.on(r).then(() => this.onEvent(`fault on (flap): ${s.name}`))));
        if (up + on < endAt) {
          this.at(up + on, () => this.chain(r, () => this.off(r).then(() => this.onEvent(`fault off (flap): ${s.name}`))));
        }
      }
    } else {
      this.chain(r, () => this.on(r).then(() => this.onEvent(`fault on: ${s.name}`)));
    }
    if (ends) {
      this.at(s.endMs, () => {
        this.chain(r, async () => {
          await this.off(r);
          this.finish(r, this.elapsed(), r.error === undefined ? 'succeeded' : 'failed');
          this.onEvent(`fault off: ${s.name}`);
        });
      });
    }
  }
}

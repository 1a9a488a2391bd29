import type { ProxySpec } from '../api/proxy.js';
import { FAULTLINE_VERSION } from '../api/version.js';
import type { Faultline } from '../client/index.js';
import { FaultController, type RollbackRecord, type ServerLink } from '../experiments/faults.js';
import { connectServers, type ProxyUse } from '../experiments/preflight.js';
import { runProbe, type ProbeResult } from '../experiments/probes.js';
import type { Probe } from '../experiments/schema.js';
import { classify, combine, type Verdict } from './classify.js';
import { proxiesOf, type Row } from './rows.js';
import type { Feature, Matrix, MatrixProbe, State } from './schema.js';

/**
 * What became of a cell. `pass`: observed as expected and Up again after the fault; `differs`:
 * observed another state; `no-recovery`: the feature stayed broken after the fault was removed
 * (the worst kind of bug); `broken-baseline`: not Up before the fault, so no verdict; `error`:
 * the fault could not be applied or removed; `interrupted`: cut short by Ctrl-C, no verdict.
 */
export type Outcome = 'pass' | 'differs' | 'no-recovery' | 'broken-baseline' | 'error' | 'interrupted';

export interface ProbeRecord {
  probe: string;
  attempt: number;
  state: State;
  reason: string;
  result: ProbeResult;
}

export interface CellResult {
  row: string;
  feature: string;
  expected: State;
  /** Null when the cell was not judged (broken baseline, or the fault could not be applied). */
  observed: State | null;
  outcome: Outcome;
  reason: string;
  /** Null when the recovery was not checked (no fault was applied). */
  recovered: boolean | null;
  recoveryMs: number | null;
  fault: string;
  probes: ProbeRecord[];
  rollbacks: RollbackRecord[];
  start: Date;
  durationMs: number;
}

export type MatrixEvent =
  | { kind: 'cell-start'; row: string; feature: string; index: number; total: number }
  | { kind: 'cell-end'; cell: CellResult; index: number; total: number }
  | { kind: 'note'; message: string };


const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted === true) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });


/** A matrix probe as the experiments' probe runner takes it. */
function asProbe(p: MatrixProbe, i: number): Probe {
  return { name: p.name ?? `probe ${i + 1}`, when: ['during'], ...(p.http === undefined ? {} : { http: p.http }), ...(p.command === undefined ? {} : { command: p.command }) };
}

/**
 * The matrix against live servers, one cell at a time: baseline, fault, probes, removal,
 * recovery. Faults go through the experiments' FaultController, under a lease on every server
 * that has them, so they come off when a cell ends however it ends, and the server removes
 * them itself if this process dies.
 */
export class MatrixSession {
  private controller: FaultController | undefined;
  private clients = new Map<string, Faultline>();
  private created: { link: ServerLink; name: string }[] = [];
  private lost: string | undefined;
  readonly warnings: string[] = [];

  constructor(
    readonly matrix: Matrix,
    private readonly onEvent: (e: MatrixEvent) => void = () => undefined,
  ) {}

  /**
   * Reaches every server, checks every proxy the dependencies name (PreflightError, nothing
   * applied, when one is missing), creates the declared ones, and takes the leases.
   */
  async open(): Promise<void> {
    const uses: ProxyUse[] = this.matrix.dependencies.flatMap((d, i) =>
      proxiesOf(d).map((proxy, j) => ({ server: d.server, proxy, where: d.proxies === undefined ? `dependencies[${i}].proxy` : `dependencies[${i}].proxies[${j}]` })),
    );
    const { links, toCreate } = await connectServers(this.matrix.servers, uses, `faultline-matrix/${FAULTLINE_VERSION}`);
    this.clients = new Map([...links].map(([k, v]) => [k, v.client]));
    const t0 = performance.now();
    this.controller = new FaultController(links, () => performance.now() - t0);
    for (const c of toCreate) {
      await c.link.client.createProxy(c.spec as ProxySpec);
      if (!c.keep) this.created.push({ link: c.link, name: c.spec.name });
      this.onEvent({ kind: 'note', message: `created proxy ${c.spec.name} → ${c.spec.upstream} on ${c.link.name}` });
    }
    const warnings = await this.controller.openLeases((server, err) => {
      this.lost ??= `lost the lease on server ${server}: ${err.message}`;
    });
    this.warnings.push(...warnings);
    for (const w of warnings) this.onEvent({ kind: 'note', message: `warning: ${w}` });
  }

  /** Removes anything still in place, releases the leases and deletes the proxies it created. */
  async close(): Promise<void> {
    if (this.controller === undefined) return;
    await this.controller.rollbackAll();
    await this.controller.closeLeases();
    for (const c of this.created.reverse()) {
      await c.link.client
        .proxy(c.name)
        .then((p) => p.delete())
        .catch((err: Error) => this.warnings.push(`could not delete proxy ${c.name} the matrix created: ${err.message}`));
    }
    this.created = [];
    this.controller = undefined;
  }

  /** The clients of the servers the matrix drives, once open (for reporting the run to them). */
  servers(): Faultline[] {
    return [...this.clients.values()];
  }

  /** Why the run must stop: a lease that could not be renewed means faults may outlive us. */
  get stopReason(): string | undefined {
    return this.lost;
  }

  /** Every probe of the feature, `repeat` times; each answer classified. */
  async probe(feature: Feature, repeat = 1, signal?: AbortSignal): Promise<{ verdict: Verdict; records: ProbeRecord[] }> {
    const records: ProbeRecord[] = [];
    for (let attempt = 1; attempt <= repeat; attempt++) {
      for (const [i, p] of feature.probes.entries()) {
        if (signal?.aborted === true) break;
        const probe = asProbe(p, i);
        const result = await runProbe(probe, this.clients, signal);
        const v = classify(result, [p.degraded, feature.degraded]);
        records.push({ probe: probe.name, attempt, state: v.state, reason: v.reason, result });
      }
    }
    return { verdict: combine(records), records };
  }

  /** Probes until the feature is Up or `withinMs` has passed; the time it took, or null. */
  private async untilUp(feature: Feature, withinMs: number, signal?: AbortSignal): Promise<{ ms: number | null; last: Verdict }> {
    const started = performance.now();
    for (;;) {
      const { verdict } = await this.probe(feature, 1, signal);
      if (verdict.state === 'Up') return { ms: performance.now() - started, last: verdict };
      if (performance.now() - started >= withinMs || signal?.aborted === true) return { ms: null, last: verdict };
      await sleep(100, signal);
    }
  }

  async runCell(row: Row, feature: Feature, signal?: AbortSignal): Promise<CellResult> {
    const controller = this.controller;
    if (controller === undefined) throw new Error('MatrixSession.runCell before open()');
    const m = this.matrix;
    const start = new Date();
    const t0 = performance.now();
    const expected = m.expect[row.label]?.[feature.name] as State;
    const cell: CellResult = { row: row.label, feature: feature.name, expected, observed: null, outcome: 'error', reason: '', recovered: null, recoveryMs: null, fault: row.explain, probes: [], rollbacks: [], start, durationMs: 0 };
    const done = (): CellResult => ((cell.durationMs = performance.now() - t0), cell);

    // A function, not the property: TypeScript would take the first check's answer for good.
    const aborted = (): boolean => signal?.aborted === true;
    const interrupted = (): CellResult => {
      cell.outcome = 'interrupted';
      cell.observed = null;
      cell.reason = `interrupted${cell.rollbacks.length > 0 ? ' (the fault was removed)' : ''}`;
      return done();
    };
    const baseline = await this.untilUp(feature, m.recovery, signal);
    if (aborted()) return interrupted();
    if (baseline.ms === null) {
      cell.outcome = 'broken-baseline';
      cell.reason = `not Up before the fault: ${baseline.last.state} (${baseline.last.reason})`;
      return done();
    }
    try {
      for (const [i, a] of row.actions.entries()) {
        const key = `${row.label}#${i}`;
        if (a.kind === 'down') await controller.down(key, a.server, a.proxy);
        else await controller.apply(key, a.fault);
      }
      await sleep(m.settle, signal);
      const { verdict, records } = await this.probe(feature, m.repeat, signal);
      cell.probes = records;
      cell.observed = verdict.state;
      cell.reason = verdict.reason;
    } catch (err) {
      cell.reason = `could not apply ${row.explain}: ${(err as Error).message}`;
    } finally {
      // Whatever happened above, the fault comes off before anything else.
      cell.rollbacks = await controller.rollbackAll();
    }
    const failed = cell.rollbacks.find((r) => !r.ok);
    if (failed !== undefined) {
      cell.outcome = 'error';
      cell.reason = `${cell.reason === '' ? '' : `${cell.reason}; `}could not remove the fault: ${failed.what}: ${failed.error}`;
      return done();
    }
    if (aborted()) return interrupted();
    if (cell.observed === null) return done();
    const recovery = await this.untilUp(feature, m.recovery, signal);
    cell.recovered = recovery.ms !== null;
    cell.recoveryMs = recovery.ms;
    if (aborted()) return interrupted();
    if (!cell.recovered) {
      cell.outcome = 'no-recovery';
      cell.reason = `${cell.observed} under the fault, and still ${recovery.last.state} ${Math.round(m.recovery / 100) / 10}s after it was removed (${recovery.last.reason})`;
    } else cell.outcome = cell.observed === expected ? 'pass' : 'differs';
    return done();
  }
}

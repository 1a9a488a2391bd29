import type { ProxySpec } from '../api/proxy.js';
import { runCommand } from './command.js';
import { FaultController, type ServerLink } from './faults.js';
import { hypothesis, missed } from './hypothesis.js';
import { ArrivalPlan } from './load/arrivals.js';
import { LoadGenerator } from './load/generator.js';
import { percentileMs } from './load/stats.js';
import { MethodRun, runAction } from './method.js';
import { preflight } from './preflight.js';
import { statusMatches } from './probes.js';
import { randomSeed } from './random.js';
import { RunReporter } from './run-report.js';
import type { RunUpdate } from '../api/runs.js';
import type { LiveState, Phase, RunData, RunView, Status } from './run-data.js';
import type { Experiment, Probe } from './schema.js';
import { seriesOf, summarise } from './series.js';
import { ThresholdBoard } from './thresholds/evaluate.js';
import { planTimeline } from './timeline.js';

/** The live view's figures as one point of the run's chart on the servers' dashboards. */
function progressOf(s: LiveState, elapsedMs: number): RunUpdate {
  const round = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x * 100) / 100);
  return {
    phase: s.phase,
    elapsed_ms: elapsedMs,
    points: [{ t_ms: Math.round(s.elapsedMs), rate: round(s.rate) ?? 0, error_rate: round(s.errorRate), p50_ms: round(s.p50), p99_ms: round(s.p99), faults: s.active.map((a) => `${a.type} on ${a.proxy}`) }],
  };
}

export type { HypothesisRun, LiveState, Phase, RunData, RunView, Status, UserRollback } from './run-data.js';
export { PreflightError } from './preflight.js';

export interface RunOptions {
  /** Aborting it interrupts the run (Ctrl-C, SIGTERM): faults are rolled back, status `interrupted`. */
  signal?: AbortSignal;
  view?: RunView;
  /** Seed for random schedules and request mixes; random (and recorded) when omitted. */
  seed?: number;
  /** The file as written, kept in the journal. */
  raw?: unknown;
  /** The file's path, shown with the run on the servers' dashboards. */
  file?: string;
  /** Report the run to the servers it drives, for their dashboards (default true). */
  report?: boolean;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function runExperiment(exp: Experiment, options: RunOptions = {}): Promise<RunData> {
  const view = options.view;
  const data: RunData = {
    experiment: exp,
    raw: options.raw ?? exp,
    status: 'completed',
    deviated: false,
    warnings: [],
    start: new Date(),
    end: new Date(),
    before: null,
    during: [],
    after: null,
    plan: null,
    steps: [],
    methodStart: null,
    methodMs: 0,
    rollbacks: [],
    userRollbacks: [],
    thresholds: [],
    load: null,
    loadCommand: null,
    series: [],
    probeMarks: [],
    createdProxies: [],
    seed: options.seed ?? randomSeed(),
    exitCode: 0,
  };
  const say = (m: string): void => view?.event(m);
  let pre;
  try {
    pre = await preflight(exp);
  } catch (err) {
    data.status = 'failed';
    data.reason = (err as Error).message;
    data.exitCode = 2;
    data.end = new Date();
    return data;
  }
  const { links, toCreate } = pre;
  const report = options.report === false ? undefined : new RunReporter([...links.values()].map((l) => l.client), { kind: 'experiment', name: exp.title, file: options.file ?? null });
  const clients = new Map([...links].map(([k, v]) => [k, v.client]));
  const interrupt = new AbortController();
  let stopReason: { status: Status; deviated: boolean; reason: string } | undefined;
  const stop = (status: Status, deviated: boolean, reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = { status, deviated, reason };
    say(`stopping: ${reason}`);
    interrupt.abort();
  };
  const onSignal = (): void => stop('interrupted', false, 'interrupted (signal)');
  if (options.signal?.aborted === true) onSignal();
  options.signal?.addEventListener('abort', onSignal, { once: true });

  const t0 = performance.now();
  const controller = new FaultController(links, () => performance.now() - t0);
  const created: { link: ServerLink; name: string }[] = [];
  const probes = exp.steady_state?.probes ?? [];
  const phaseProbes = (phase: 'before' | 'during' | 'after'): Probe[] => probes.filter((p) => p.when.includes(phase));
  let load: LoadGenerator | undefined;
  let method: MethodRun | undefined;
  let board: ThresholdBoard | undefined;
  const loops: NodeJS.Timeout[] = [];
  let phase: Phase = 'connecting';

  try {
    for (const c of toCreate) {
      await c.link.client.createProxy(c.spec as ProxySpec);
      if (!c.keep) created.push({ link: c.link, name: c.spec.name });
      data.createdProxies.push(`${c.link.name}/${c.spec.name}`);
      say(`created proxy ${c.spec.name} → ${c.spec.upstream} on ${c.link.name}`);
    }
    data.warnings.push(...(await controller.openLeases((server, err) => stop('aborted', false, `lost the lease on server ${server}: ${err.message}`))));
    for (const w of data.warnings) say(`warning: ${w}`);

    phase = 'before';
    report?.send({ phase });
    say('steady state before the method');
    const before = phaseProbes('before');
    if (before.length > 0) {
      data.before = await hypothesis(before, clients);
      if (!data.before.met) {
        stop('failed', false, `steady state not met before the method, so it was not started: ${missed(data.before)}`);
      }
    }

    if (stopReason === undefined) {
      phase = 'method';
      report?.send({ phase });
      const plan = planTimeline(exp.method, exp.duration, (i) => (data.seed + i * 7919) >>> 0);
      data.plan = plan;
      const durationMs = Math.max(plan.durationMs, exp.load?.duration ?? 0);
      board = new ThresholdBoard(exp.thresholds);
      data.thresholds = board.states;
      const firstFault = Math.min(...plan.steps.filter((s) => s.kind === 'fault' || s.kind === 'down').map((s) => s.startMs));
      method = new MethodRun(plan.steps, durationMs, controller, (err, step) => stop('aborted', false, `step "${step.name}" failed: ${err.message}`), say);
      data.steps = method.records;
      data.methodStart = new Date();
      const mt0 = performance.now();
      const elapsed = (): number => performance.now() - mt0;

      const l = exp.load;
      let loadCommand: Promise<void> | undefined;
      if (l?.requests !== undefined) {
        const loadMs = l.duration ?? durationMs;
        const arrivals = l.stages !== undefined ? ArrivalPlan.ramped(l.stages, loadMs) : ArrivalPlan.constant(l.rate as number, loadMs);
        const ok = l.ok_status;
        load = new LoadGenerator({
          requests: l.requests,
          plan: arrivals,
          maxInFlight: l.max_in_flight,
          connections: l.connections,
          timeoutMs: l.timeout,
          seed: l.seed ?? data.seed,
          ...(ok === undefined ? {} : { isOk: (s: number) => statusMatches(ok, s) }),
        });
        load.start();
      } else if (l?.command !== undefined) {
        const c = l.command;
        loadCommand = runCommand(c.run, c.timeout, undefined, interrupt.signal).then((r) => void (data.loadCommand = r));
      }

      const observe = () => ({
        now: elapsed(),
        load: load?.stats,
        probes: data.probeMarks,
        baseline: Number.isFinite(firstFault) && elapsed() >= firstFault && firstFault >= 1000 ? { from: 0, to: Math.floor(firstFault / 1000) * 1000 } : undefined,
      });
      const judge = (): void => {
        if (board === undefined) return;
        for (const t of board.evaluate(observe())) {
          say(`threshold tripped: ${t.message}`);
          if (t.abort) stop('failed', true, `threshold tripped: ${t.message}`);
        }
      };
      loops.push(setInterval(judge, 1000));

      const during = phaseProbes('during');
      const ss = exp.steady_state;
      if (during.length > 0 && ss !== undefined) {
        let failures = 0;
        let running = false;
        loops.push(
          setInterval(() => {
            if (running) return; // a slow probe does not pile up checks
            running = true;
            void hypothesis(during, clients).then((h) => {
              running = false;
              data.during.push(h);
              const at = elapsed();
              for (const p of h.probes) data.probeMarks.push({ at, ok: p.result.ok });
              if (!h.met) {
                failures++;
                say(`steady state missed during the method: ${missed(h)}`);
                if (failures > ss.tolerance) stop('failed', true, `steady state missed ${failures} time(s) during the method (tolerance ${ss.tolerance}): ${missed(h)}`);
              }
            });
          }, ss.interval),
        );
      }

      if (view !== undefined || report !== undefined) {
        const tick = (): void => {
          const w = load?.stats.window(elapsed(), 5000);
          const state: LiveState = {
            phase,
            title: exp.title,
            elapsedMs: elapsed(),
            durationMs,
            rate: w === undefined ? 0 : (w.completed * 1000) / w.spanMs,
            errorRate: w === undefined || w.completed === 0 ? undefined : w.failed / w.completed,
            p50: w === undefined || w.latency.count === 0 ? undefined : percentileMs(w.latency, 50),
            p99: w === undefined || w.latency.count === 0 ? undefined : percentileMs(w.latency, 99),
            inFlight: load?.inFlightCount ?? 0,
            active: controller.list(),
            thresholds: board?.states ?? [],
            probeFailures: data.probeMarks.filter((m) => !m.ok).length,
          };
          view?.update(state);
          report?.progress(progressOf(state, Date.now() - data.start.getTime()));
        };
        loops.push(setInterval(tick, 500));
      }

      say(`method: ${plan.steps.length} step(s) over ${Math.round(durationMs / 100) / 10}s`);
      const interrupted = new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([method.start(), interrupted]);
      data.methodMs = elapsed();
      for (const t of loops) clearInterval(t);
      loops.length = 0;
      if (stopReason === undefined) judge();
      await method.stop();
      phase = 'rollback';
      data.rollbacks = await controller.rollbackAll();
      if (data.rollbacks.length > 0) say(`rolled back ${data.rollbacks.length} fault(s)`);
      if (load !== undefined) {
        await load.stop(stopReason === undefined ? 2000 : 200);
        data.load = summarise(load.stats, Math.min(data.methodMs, exp.load?.duration ?? Infinity), exp.load?.requests?.map((r) => `${r.method} ${r.url}`).join(', ') ?? '');
        data.series = seriesOf(load.stats);
      }
      await loadCommand;
      // The final judgement, over everything: thresholds that do not abort are decided here.
      if (board !== undefined) {
        for (const t of board.evaluate({ ...observe(), now: data.methodMs })) say(`threshold tripped: ${t.message}`);
        const tripped = board.states.filter((t) => t.tripped);
        if (stopReason === undefined && tripped.length > 0) stop('failed', true, `threshold tripped: ${tripped.map((t) => t.message).join('; ')}`);
      }
    }
  } catch (err) {
    stop('aborted', false, `error: ${(err as Error).message}`);
  } finally {
    for (const t of loops) clearInterval(t);
    await method?.stop();
    phase = 'rollback';
    // Every exit path passes here: whatever is still in place comes off.
    const late = await controller.rollbackAll();
    data.rollbacks.push(...late);
    await load?.stop(0);
  }

  // Recovery: the steady state after rollback, retried while the system recovers.
  phase = 'after';
  const afterProbes = phaseProbes('after');
  if (afterProbes.length > 0 && data.methodStart !== null && stopReason?.status !== 'interrupted') {
    report?.send({ phase });
    say('steady state after rollback');
    const deadline = performance.now() + (exp.steady_state?.recovery ?? 5000);
    for (;;) {
      data.after = await hypothesis(afterProbes, clients);
      if (data.after.met || performance.now() >= deadline) break;
      await sleep(250);
    }
    if (!data.after.met) {
      data.deviated = true;
      if (stopReason === undefined) stopReason = { status: 'completed', deviated: true, reason: `steady state not recovered after rollback: ${missed(data.after)}` };
    }
  }

  for (const action of exp.rollbacks) {
    const start = new Date();
    const r = await runAction(action);
    data.userRollbacks.push({ action, ok: r.ok, output: r.output, ...(r.error === undefined ? {} : { error: r.error }), start, end: new Date() });
  }
  await controller.closeLeases();
  for (const c of created.reverse()) {
    await c.link.client
      .proxy(c.name)
      .then((p) => p.delete())
      .catch((err: Error) => data.warnings.push(`could not delete proxy ${c.name} the experiment created: ${err.message}`));
  }
  options.signal?.removeEventListener('abort', onSignal);

  if (stopReason !== undefined) {
    data.status = stopReason.status;
    data.deviated ||= stopReason.deviated;
    data.reason = stopReason.reason;
  }
  const failedRollback = data.rollbacks.find((r) => !r.ok);
  if (failedRollback !== undefined) {
    data.status = data.status === 'completed' ? 'aborted' : data.status;
    data.reason = `${data.reason === undefined ? '' : `${data.reason}; `}rollback failed: ${failedRollback.what}: ${failedRollback.error}`;
  }
  data.end = new Date();
  data.exitCode = data.status === 'completed' && !data.deviated ? 0 : 1;
  phase = 'done';
  const reason = data.reason ?? (data.deviated ? 'deviated' : null);
  await report?.end({ status: data.status, phase, reason, elapsed_ms: data.end.getTime() - data.start.getTime() });
  return data;
}

import { hostname, platform, release, arch } from 'node:os';
import { FAULTLINE_VERSION } from '../api/version.js';
import type { StepRecord } from './method.js';
import type { HypothesisRun, RunData } from './runner.js';
import type { Probe } from './schema.js';

/**
 * The journal in Chaos Toolkit's shape (chaostoolkit-lib's run journal), so tools that read
 * those — chaostoolkit-reporting among them — read ours. faultline's own data (thresholds, the
 * load, the plan, seeds) is under `x-faultline`, which those tools ignore.
 */

/** The chaostoolkit-lib version whose journal shape we write; the reporter requires semver. */
const CHAOSLIB_VERSION = '1.45.0';

const iso = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString().replace('Z', '+00:00'));
const seconds = (a: Date, b: Date): number => (b.getTime() - a.getTime()) / 1000;

function probeProvider(p: Probe): Record<string, unknown> {
  if (p.http !== undefined) return { type: 'http', url: p.http.url, method: p.http.method, timeout: p.http.timeout / 1000 };
  if (p.tcp !== undefined) return { type: 'faultline', kind: 'tcp', address: p.tcp.address };
  if (p.command !== undefined) return { type: 'process', path: Array.isArray(p.command.run) ? p.command.run[0] : 'sh', arguments: p.command.run, timeout: p.command.timeout / 1000 };
  if (p.prometheus !== undefined) return { type: 'faultline', kind: 'prometheus', url: p.prometheus.url, query: p.prometheus.query };
  return { type: 'faultline', kind: 'metrics', ...p.faultline };
}

function probeActivity(p: Probe): Record<string, unknown> {
  return { type: 'probe', name: p.name, tolerance: true, provider: probeProvider(p) };
}

function hypothesisState(h: HypothesisRun | null): unknown {
  if (h === null) return null;
  return {
    steady_state_met: h.met,
    probes: h.probes.map(({ probe, result }) => ({
      activity: probeActivity(probe),
      output: result.output,
      start: iso(result.start),
      status: result.error === undefined ? 'succeeded' : 'failed',
      ...(result.error === undefined ? {} : { exception: [result.error] }),
      end: iso(result.end),
      duration: seconds(result.start, result.end),
      tolerance_met: result.ok,
      'x-faultline': { detail: result.detail },
    })),
  };
}

function stepActivity(r: StepRecord): Record<string, unknown> {
  const s = r.step;
  const provider: Record<string, unknown> = { type: 'faultline', kind: s.kind };
  if (s.fault !== undefined) Object.assign(provider, { arguments: s.fault });
  if (s.down !== undefined) Object.assign(provider, { arguments: s.down });
  if (s.action?.http !== undefined) Object.assign(provider, { type: 'http', url: s.action.http.url, method: s.action.http.method });
  if (s.action?.command !== undefined) Object.assign(provider, { type: 'process', path: Array.isArray(s.action.command.run) ? s.action.command.run[0] : 'sh', arguments: s.action.command.run });
  return {
    type: 'action',
    name: s.name,
    provider,
    'x-faultline': { at_ms: s.startMs, until_ms: s.endMs === Infinity ? null : s.endMs, ramp: s.ramp ?? null, flap: s.flap ?? null, random: s.random ?? null },
  };
}

export function toJournal(data: RunData): Record<string, unknown> {
  const exp = data.experiment;
  const ctkExperiment = {
    title: exp.title,
    description: exp.description ?? '',
    tags: exp.tags ?? [],
    'steady-state-hypothesis': exp.steady_state === undefined ? undefined : { title: 'steady state', probes: exp.steady_state.probes.map(probeActivity) },
    method: (data.plan?.steps ?? []).map((s) => stepActivity({ step: s, status: 'pending', windows: [] })),
    rollbacks: exp.rollbacks.map((a) => ({ type: 'action', name: a.name ?? 'rollback', provider: a.http !== undefined ? { type: 'http', url: a.http.url } : { type: 'process', path: 'sh', arguments: a.command?.run } })),
    'x-faultline': { file: data.raw },
  };
  const rollbacks = [
    ...data.rollbacks.map((r) => ({
      activity: { type: 'action', name: r.what, provider: { type: 'faultline', kind: 'rollback' } },
      output: null,
      start: iso(r.start),
      status: r.ok ? 'succeeded' : 'failed',
      ...(r.error === undefined ? {} : { exception: [r.error] }),
      end: iso(r.end),
      duration: seconds(r.start, r.end),
    })),
    ...data.userRollbacks.map((r) => ({
      activity: { type: 'action', name: r.action.name ?? 'rollback', provider: r.action.http !== undefined ? { type: 'http', url: r.action.http.url } : { type: 'process', path: 'sh', arguments: r.action.command?.run } },
      output: r.output,
      start: iso(r.start),
      status: r.ok ? 'succeeded' : 'failed',
      ...(r.error === undefined ? {} : { exception: [r.error] }),
      end: iso(r.end),
      duration: seconds(r.start, r.end),
    })),
  ];
  return {
    'chaoslib-version': CHAOSLIB_VERSION,
    platform: `${platform()}-${release()}-${arch()}`,
    node: hostname(),
    experiment: ctkExperiment,
    start: iso(data.start),
    status: data.status,
    deviated: data.deviated,
    steady_states: { before: hypothesisState(data.before), after: hypothesisState(data.after), during: data.during.map(hypothesisState) },
    run: data.steps
      .filter((r) => r.start !== undefined)
      .map((r) => ({
        activity: stepActivity(r),
        output: r.output ?? null,
        start: iso(r.start),
        status: r.status === 'failed' ? 'failed' : 'succeeded',
        ...(r.error === undefined ? {} : { exception: [r.error] }),
        end: iso(r.end ?? data.end),
        duration: seconds(r.start as Date, r.end ?? data.end),
      })),
    rollbacks,
    end: iso(data.end),
    duration: seconds(data.start, data.end),
    'x-faultline': {
      version: FAULTLINE_VERSION,
      reason: data.reason ?? null,
      exit_code: data.exitCode,
      warnings: data.warnings,
      seed: data.seed,
      random_seeds: data.plan?.seeds ?? {},
      method_started: iso(data.methodStart ?? undefined),
      method_ms: Math.round(data.methodMs),
      fault_windows: data.steps.flatMap((r) => r.windows.map(([a, b]) => ({ step: r.step.name, from_ms: Math.round(a), to_ms: Number.isFinite(b) ? Math.round(b) : null }))),
      thresholds: data.thresholds.map((t) => ({ expr: t.threshold.source, abort: t.abort, tripped: t.tripped, tripped_at_ms: t.trippedAt ?? null, value: t.value ?? null, limit: t.limit ?? null, message: t.message })),
      load: data.load,
      load_command: data.loadCommand,
      series: data.series,
      created_proxies: data.createdProxies,
    },
  };
}

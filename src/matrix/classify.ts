import type { ProbeResult } from '../experiments/probes.js';
import { statusMatches } from '../experiments/probes.js';
import type { DegradedMarker, State } from './schema.js';

/** A probe's state and the reason for it, in one line for tables and JUnit messages. */
export interface Verdict {
  state: State;
  reason: string;
}

const RANK: Record<State, number> = { Up: 0, Degraded: 1, Down: 2 };

/** The worst of several states: one failing answer makes the feature Down. */
export function worst(states: readonly State[]): State {
  return states.reduce<State>((a, b) => (RANK[b] > RANK[a] ? b : a), 'Up');
}

function markerHit(m: DegradedMarker, output: Record<string, unknown>, elapsedMs: number): string | undefined {
  const status = typeof output.status === 'number' ? output.status : undefined;
  if (m.status !== undefined && status !== undefined && statusMatches(m.status, status)) return `status ${status}`;
  if (m.header !== undefined) {
    const headers = (output.headers ?? {}) as Record<string, string>;
    const value = headers[m.header.name.toLowerCase()];
    if (value !== undefined && (m.header.matches === undefined || new RegExp(m.header.matches).test(value))) return `header ${m.header.name}: ${value}`;
  }
  if (m.body_matches !== undefined && typeof output.body === 'string' && new RegExp(m.body_matches).test(output.body)) return `body matches /${m.body_matches}/`;
  if (m.stdout_matches !== undefined && typeof output.stdout === 'string' && new RegExp(m.stdout_matches).test(output.stdout)) return `output matches /${m.stdout_matches}/`;
  if (m.slower_than !== undefined && elapsedMs > m.slower_than) return `took ${Math.round(elapsedMs)} ms, more than ${m.slower_than} ms`;
  return undefined;
}

/**
 * One recorded probe result, classified: Down when the probe failed its own checks, could not
 * run or timed out; Degraded when it passed them but carries one of the team's markers; Up
 * otherwise.
 */
export function classify(result: ProbeResult, markers: readonly (DegradedMarker | undefined)[]): Verdict {
  if (!result.ok) return { state: 'Down', reason: result.detail };
  const output = (result.output ?? {}) as Record<string, unknown>;
  const elapsed = typeof output.latency_ms === 'number' ? output.latency_ms : result.end.getTime() - result.start.getTime();
  for (const m of markers) {
    if (m === undefined) continue;
    const hit = markerHit(m, output, elapsed);
    if (hit !== undefined) return { state: 'Degraded', reason: hit };
  }
  return { state: 'Up', reason: result.detail };
}

/** Several verdicts (probes × repeats) as one: the worst, with the first reason for it. */
export function combine(verdicts: readonly Verdict[]): Verdict {
  const state = worst(verdicts.map((v) => v.state));
  const first = verdicts.find((v) => v.state === state);
  return { state, reason: first?.reason ?? 'no probes' };
}

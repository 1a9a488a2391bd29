import type { RequestMatch } from '../api/request-match.js';
import type { ToxicEntry, ToxicShared } from '../proxy/toxic-entry.js';
import { countSelects } from './match.js';
import type { ActContext, RequestView, Verdict } from './message.js';

/** What is done to one request, gathered from every toxic that acted on it. */
export interface Plan {
  /** `answer`, `hang` or `abort` before forwarding: the request is not forwarded. */
  terminal: Verdict | null;
  /** The toxic whose verdict that is. */
  terminalBy: string;
  requestDelay: number;
  responseDelay: number;
  abortOnResponse: { reset: boolean } | null;
  truncate: { bytes: number; reset: boolean } | null;
  slowHeaders: number;
}

export function emptyPlan(): Plan {
  return { terminal: null, terminalBy: '', requestDelay: 0, responseDelay: 0, abortOnResponse: null, truncate: null, slowHeaders: 0 };
}

/** What the decision needs from the connection it runs for. */
export interface DecisionScope {
  /** The toxic's toxicity roll for this connection (rolled once, as Toxiproxy does). */
  applies(entry: ToxicEntry): boolean;
  /** Counts a matching request per connection (`count: connection`) and returns the count. */
  countOnConnection(shared: ToxicShared): number;
  now(): number;
  /** A toxic acted on the request. */
  fired(entry: ToxicEntry, request: RequestView, match: number, verdict: Verdict): void;
}

/** Adds a verdict to the plan; true when the request will not be forwarded. */
export function addVerdict(plan: Plan, verdict: Verdict, by: string): boolean {
  switch (verdict.kind) {
    case 'answer':
    case 'hang':
      plan.terminal = verdict;
      plan.terminalBy = by;
      return true;
    case 'abort':
      if (verdict.where === 'request') {
        plan.terminal = verdict;
        plan.terminalBy = by;
        return true;
      }
      plan.abortOnResponse = { reset: verdict.reset };
      return false;
    case 'delay':
      if (verdict.where === 'request') plan.requestDelay += verdict.ms;
      else plan.responseDelay += verdict.ms;
      return false;
    case 'truncate':
      plan.truncate = { bytes: verdict.bytes, reset: verdict.reset };
      return false;
    case 'slow_headers':
      plan.slowHeaders = Math.max(plan.slowHeaders, verdict.ms);
      return false;
  }
}

/**
 * Runs a proxy's request-level toxics, in order, over one request: toxicity roll, match, count,
 * probability, then the toxic's own decision. The first toxic that keeps the request from being
 * forwarded ends it; toxics after it do not see (or count) the request. Null when no toxic acted,
 * which allocates nothing.
 */
export function decide(toxics: readonly ToxicEntry[], request: RequestView, scope: DecisionScope): Plan | null {
  let plan: Plan | null = null;
  for (const entry of toxics) {
    if (!scope.applies(entry)) continue;
    const shared = entry.shared;
    if (!shared.matcher.matches(request)) continue;
    const a = entry.attributes as RequestMatch;
    const n = a.count === 'connection' ? scope.countOnConnection(shared) : ++shared.matched;
    if (!countSelects(a, n)) continue;
    if (a.probability !== undefined && a.probability < 1 && !(shared.rng.next() < a.probability)) continue;
    const ctx: ActContext = { now: () => scope.now(), random: () => shared.rng.next(), shared: shared.data };
    const implementation = entry.implementation;
    if (implementation.level !== 'request') continue;
    const verdict = implementation.impl.act(entry.attributes as never, request, ctx);
    if (verdict === null) continue;
    entry.fired++;
    scope.fired(entry, request, n, verdict);
    plan ??= emptyPlan();
    if (addVerdict(plan, verdict, entry.name)) break;
  }
  return plan;
}

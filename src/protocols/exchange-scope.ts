import { performance } from 'node:perf_hooks';
import type { ToxicEntry, ToxicShared } from '../proxy/toxic-entry.js';
import type { DecisionScope } from './decide.js';
import type { MessageHost } from './host.js';
import { describeVerdict, type RequestView, type Verdict } from './message.js';

/**
 * What every exchange (HTTP's, the pipelined one) gives the decision: the clock, the
 * connection's toxicity rolls, its own counts for `count: connection`, and the fault log.
 */
export abstract class ExchangeScope implements DecisionScope {
  private perConnection: Map<ToxicShared, number> | null = null;

  constructor(readonly host: MessageHost) {}

  now(): number {
    return performance.now();
  }

  applies(entry: ToxicEntry): boolean {
    return this.host.applies(entry);
  }

  countOnConnection(shared: ToxicShared): number {
    this.perConnection ??= new Map();
    const n = (this.perConnection.get(shared) ?? 0) + 1;
    this.perConnection.set(shared, n);
    return n;
  }

  fired(entry: ToxicEntry, request: RequestView, match: number, verdict: Verdict): void {
    this.host.faultFired({
      request: request.number,
      method: request.method,
      path: request.path,
      toxic: entry.name,
      type: entry.type,
      match,
      action: this.describe(verdict),
    });
  }

  /** The fault log's words for a verdict; a protocol with its own error format names its answers. */
  protected describe(verdict: Verdict): string {
    return describeVerdict(verdict);
  }
}

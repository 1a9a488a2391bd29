import type { Verdict } from '../message.js';
import type { HeaderFaultGate } from '../host.js';
import type { RequestHead } from './head.js';

/** Envoy's header-controlled faults, faulted under this toxic name in the log. */
export const ENVOY_TOXIC = 'envoy-fault-headers';

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Whether a fault with an optional `…-percentage` header is drawn. With no configured
 * percentage on the proxy, the header can only lower 100 %: numerator min(value, 100) of 100.
 */
function drawn(head: RequestHead, name: string, gate: HeaderFaultGate): boolean {
  const pct = integer(head.header(`${name}-percentage`));
  const numerator = pct === undefined ? 100 : Math.min(pct, 100);
  return gate.random() * 100 < numerator;
}

/**
 * The verdicts a request asks for with `x-envoy-fault-delay-request` (ms) and
 * `x-envoy-fault-abort-request` (status 200–599), with Envoy's semantics: unparsable values
 * are ignored, each fault draws its own percentage, a delay comes before an abort, and a
 * request that would go over the proxy's cap on active faults is not faulted.
 */
export function envoyVerdicts(head: RequestHead, gate: HeaderFaultGate): Verdict[] | null {
  const delayMs = integer(head.header('x-envoy-fault-delay-request'));
  const status = integer(head.header('x-envoy-fault-abort-request'));
  const wantsDelay = delayMs !== undefined && delayMs > 0 && drawn(head, 'x-envoy-fault-delay-request', gate);
  const wantsAbort = status !== undefined && status >= 200 && status < 600 && drawn(head, 'x-envoy-fault-abort-request', gate);
  if (!wantsDelay && !wantsAbort) return null;
  if (!gate.tryStart()) return null;
  const verdicts: Verdict[] = [];
  if (wantsDelay) verdicts.push({ kind: 'delay', ms: delayMs, where: 'request' });
  if (wantsAbort) verdicts.push({ kind: 'answer', reply: { status, body: 'fault filter abort' } });
  return verdicts;
}

import type { Protocol } from '../api/protocols.js';
import type { Stage, StageContext } from '../toxics/types.js';
import type { MessageHost } from './host.js';
import { HttpExchange } from './http/exchange.js';

/** One connection's message layer: a framer for each direction, sharing what pairs them. */
export interface MessageLayer {
  readonly upstream: Stage;
  readonly downstream: Stage;
  dispose(): void;
}

/** Builds the message layer of a connection on a framed protocol; null for `tcp`. */
export function createMessageLayer(
  protocol: Protocol,
  host: MessageHost,
  upstream: StageContext,
  downstream: StageContext,
): MessageLayer | null {
  switch (protocol) {
    case 'tcp':
      return null;
    case 'http': {
      const exchange = new HttpExchange(host, upstream, downstream);
      return { upstream: exchange.request, downstream: exchange.response, dispose: () => exchange.dispose() };
    }
    default:
      // Framers for redis, postgres, mysql and memcached land one by one; until then those
      // proxies forward bytes as tcp does.
      return null;
  }
}

export type { MessageHost, HeaderFaultGate, FiredFault } from './host.js';
export { pluginRequestImpl, registerRequestImpl, requestToxicImpls } from './faults/index.js';

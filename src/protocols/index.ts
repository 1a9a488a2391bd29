import type { Protocol } from '../api/protocols.js';
import type { Stage, StageContext } from '../toxics/types.js';
import type { MessageHost } from './host.js';
import { createCodec, isPipelined } from './codecs.js';
import { HttpExchange } from './http/exchange.js';
import { PipelineExchange } from './pipeline/exchange.js';

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
  }
  if (!isPipelined(protocol)) return null;
  const codec = createCodec(protocol, host.codecOptions);
  // A protocol without its codec yet forwards bytes as tcp does.
  if (codec === null) return null;
  const exchange = new PipelineExchange(protocol, host, codec, upstream, downstream);
  return { upstream: exchange.requests, downstream: exchange.replies, dispose: () => exchange.dispose() };
}

export type { MessageHost, HeaderFaultGate, FiredFault } from './host.js';
export type { CodecOptions } from './pipeline/codec.js';
export { requestToxicImpls } from './faults/index.js';

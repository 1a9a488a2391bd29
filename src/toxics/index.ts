import type { byteToxics } from '../api/byte-toxics.js';
import { bandwidth } from './bandwidth.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { noop } from './noop.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { timeout } from './timeout.js';
import type { ToxicImpl } from './types.js';

export type StreamToxicType = keyof typeof byteToxics;

/** Every byte-level toxic's implementation; the compiler checks it covers every such type in the API. */
export const toxicImpls: { readonly [T in StreamToxicType]: ToxicImpl<any> } = {
  noop,
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
};

export type { Stage, StageContext, ToxicImpl } from './types.js';

/** Byte-level toxics registered by plugins at start-up, beside the static table above. */
const pluginImpls = new Map<string, ToxicImpl<any>>();

export function registerToxicImpl(type: string, impl: ToxicImpl<any>): void {
  pluginImpls.set(type, impl);
}

export function pluginToxicImpl(type: string): ToxicImpl<any> | undefined {
  return pluginImpls.get(type);
}

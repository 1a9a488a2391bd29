import type { ToxicType } from '../api/toxic-types.js';
import { bandwidth } from './bandwidth.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { noop } from './noop.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { timeout } from './timeout.js';
import type { ToxicImpl } from './types.js';

/** Every toxic type's implementation; the compiler checks it covers every type in the API. */
export const toxicImpls: { readonly [T in ToxicType]: ToxicImpl } = {
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

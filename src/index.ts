/**
 * faultline's library entry: the typed client and the wire types. Nothing here reaches the
 * server or the data plane, so it runs wherever `fetch` does.
 */
export * from './client/index.js';
export type { ProxyJson, ProxySpec, ProxyUpdate } from './api/proxy.js';
export type { Stream, Toxic, ToxicAttributesInput, ToxicChange, ToxicJson, ToxicSpec } from './api/toxic.js';
export type { ToxicAttributes, ToxicType, ToxicTypeJson } from './api/toxic-types.js';
export { TOXIC_TYPES, explainToxic } from './api/toxic-types.js';
export type { FaultRecord } from './api/faults.js';
export type { Protocol } from './api/protocols.js';
export { PROTOCOLS } from './api/protocols.js';
export type { RunCell, RunCreate, RunJson, RunKind, RunPoint, RunStatus, RunUpdate } from './api/runs.js';

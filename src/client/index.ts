export { Faultline, DEFAULT_URL, type ProxyConfig } from './faultline.js';
export { FaultlineError } from './errors.js';
export { serverUrlFromEnvironment } from './environment.js';
export type { ClientOptions } from './http.js';
export { ProxyHandle } from './proxy-handle.js';
export { ProxyGroup } from './proxy-group.js';
export { ToxicHandle } from './toxic-handle.js';
export { using } from './scope.js';
export { Lease } from './lease.js';

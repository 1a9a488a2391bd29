export * from './errors.js';
export * from './decode.js';
export * from './proxy.js';
export * from './toxic.js';
export * from './toxic-types.js';
export * from './routes.js';
export * from './version.js';
export * from './events.js';

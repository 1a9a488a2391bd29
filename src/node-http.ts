/**
 * node:http, taken the way CommonJS takes it. Imported as an ES module on Node 22 and later,
 * it costs 36–54 ms more than that: to build the import's namespace Node reads every export,
 * and `WebSocket`, `CloseEvent` and `MessageEvent` are getters that load undici
 * (nodejs/node#57649). A server start and every command that speaks HTTP paid it.
 * `process.getBuiltinModule` (Node 20.16+) hands over the module itself, and the names below
 * are the only exports read. Types still come from `import type … from 'node:http'`.
 */
export const { createServer, request, STATUS_CODES } = process.getBuiltinModule('node:http');

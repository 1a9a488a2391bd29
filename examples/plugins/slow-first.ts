/**
 * An example toxic plugin: `slow_first` holds the first requests of every connection, as a
 * server with a cold cache or a lazy connection pool does, and lets the rest through. It works
 * on any framed proxy (http, redis, postgres, mysql, memcached), since it only delays.
 *
 *   faultline server --plugin examples/plugins/slow-first.ts
 *   faultline toxic add web --plugin examples/plugins/slow-first.ts -t slow_first -a ms=800
 *
 * Outside this repository, import from 'faultline/plugin' instead of the relative path.
 */
import { definePlugin, defineToxic, requestAttributes, z } from '../../src/plugin.js';

const rule = 'expected a whole number from 0';
const whole = () => z.int({ error: rule }).min(0, { error: rule });

export default definePlugin({
  name: 'slow_first',
  definition: defineToxic({
    level: 'request',
    attributes: requestAttributes({
      ms: whole().default(500).describe('how long to hold each of the first requests (ms)'),
      requests: whole().default(1).describe('how many requests of each connection are held'),
    }),
    required: ['ms'],
    explain: (a) => `holds the first ${a.requests === 1 ? 'request' : `${a.requests} requests`} of each connection ${a.ms} ms`,
  }),
  implementation: {
    // request.number counts from 1 on each connection, whatever the protocol.
    act: (a, request) => (request.number <= a.requests ? { kind: 'delay', ms: a.ms, where: 'request' } : null),
  },
});

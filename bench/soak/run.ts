/**
 * `npm run soak`: the long robustness cases of issue 14, each against a fresh `faultline server`
 * process. Prints the figures and a verdict per case; exits 1 if any case does not hold.
 *
 *   npm run soak                      # the full cases (about 15 minutes on a quiet 2-core machine)
 *   npm run soak -- --quick           # a smoke run with small figures
 *   npm run soak -- --only integrity,connections --connections 1000000
 */
import { parseArgs } from 'node:util';
import { connections } from './connections.js';
import { integrity } from './integrity.js';
import { misbehaving } from './misbehaving.js';
import { startServerProcess, type ServerProcess } from './server.js';
import { slowClients } from './slow-clients.js';
import { verdicts } from './verdicts.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    bytes: { type: 'string' },
    connections: { type: 'string' },
    seconds: { type: 'string' },
    'slow-clients': { type: 'string' },
    'node-args': { type: 'string', default: '' },
  },
});
const quick = values.quick === true;
const size = {
  bytes: Number(values.bytes ?? (quick ? 64 * 1024 * 1024 : 1024 * 1024 * 1024)),
  connections: Number(values.connections ?? (quick ? 5000 : 100_000)),
  seconds: Number(values.seconds ?? (quick ? 3 : 30)),
  slowClients: Number(values['slow-clients'] ?? (quick ? 100 : 500)),
};
const only = values.only?.split(',');
const nodeArgs = values['node-args'] === '' ? [] : (values['node-args'] as string).split(' ');

async function withServer<T>(run: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServerProcess(nodeArgs);
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

const cases: Record<string, () => Promise<{ lines: string[]; holds: boolean }>> = {
  integrity: async () => {
    const r = await withServer((s) => integrity(s, size.bytes));
    return verdicts.integrity(r);
  },
  connections: async () => {
    const r = await withServer((s) => connections(s, size.connections));
    return verdicts.connections(r);
  },
  misbehaving: async () => {
    const r = await withServer((s) => misbehaving(s, size.seconds));
    return verdicts.misbehaving(r);
  },
  'slow-clients': async () => {
    const r = await withServer((s) => slowClients(s, size.slowClients, size.seconds));
    return verdicts.slowClients(r);
  },
};

console.log(`faultline soak, ${new Date().toISOString()}, node ${process.version}${nodeArgs.length > 0 ? ` ${nodeArgs.join(' ')}` : ''}${quick ? ' (quick)' : ''}`);
let failed = 0;
for (const [name, run] of Object.entries(cases)) {
  if (only !== undefined && !only.includes(name)) continue;
  const started = performance.now();
  try {
    const { lines, holds } = await run();
    console.log(`\n${holds ? 'HOLDS' : 'FAILS'}  ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    for (const line of lines) console.log(`  ${line}`);
    if (!holds) failed++;
  } catch (err) {
    failed++;
    console.log(`\nFAILS  ${name}: ${(err as Error).stack}`);
  }
}
console.log(failed === 0 ? '\nevery case holds' : `\n${failed} case(s) failed`);
process.exitCode = failed === 0 ? 0 : 1;


import { readFileSync } from 'node:fs';

/**
 * Summarises V8 .cpuprofile files (from node --cpu-prof, e.g. `npm run bench -- --profile DIR`):
 * self time per function, summed over every node of the call tree, biggest first, plus the
 * share by source (node internals, faultline's own code, GC, idle).
 * Usage: node dist/bench/tools/cpuprofile-top.js FILE.cpuprofile [TOP]
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topText = '25'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: cpuprofile-top.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\/.*?\/dist\//, 'dist/').replace(/^node:/, 'node:');
  return url === '' ? '' : `${url}:${frame.lineNumber + 1}`;
}

function bucket(frame: CallFrame): string {
  if (frame.functionName === '(idle)') return 'idle';
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(program)') return 'program (native, outside JS)';
  if (frame.url.includes('/dist/src/')) return 'faultline';
  if (frame.url.includes('/node_modules/')) return 'dependencies';
  if (frame.url.startsWith('node:')) return 'node internals (JS)';
  return 'native / builtins';
}

const perFunction = new Map<string, number>();
const perBucket = new Map<string, number>();
let total = 0;
for (const [id, us] of selfUs) {
  const frame = (byId.get(id) as ProfileNode).callFrame;
  const key = `${frame.functionName || '(anonymous)'}  ${where(frame)}`;
  perFunction.set(key, (perFunction.get(key) ?? 0) + us);
  perBucket.set(bucket(frame), (perBucket.get(bucket(frame)) ?? 0) + us);
  total += us;
}
const busy = total - (perBucket.get('idle') ?? 0);
const pct = (us: number, of: number): string => `${((100 * us) / of).toFixed(1).padStart(5)} %`;
const out: string[] = [`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle`, '', 'by source (share of non-idle time):'];
for (const [name, us] of [...perBucket].filter(([n]) => n !== 'idle').sort((a, b) => b[1] - a[1])) out.push(`  ${pct(us, busy)}  ${name}`);
out.push('', `top ${topText} functions by self time (share of non-idle time):`);
for (const [name, us] of [...perFunction].filter(([n]) => !n.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(topText))) {
  out.push(`  ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}
process.stdout.write(`${out.join('\n')}\n`);

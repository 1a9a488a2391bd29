import { readFileSync } from 'node:fs';
import { percentile } from '../lib/stats.js';

/**
 * How long each thread waited from being woken to running, from a tracefs dump with the
 * `sched_wakeup` and `sched_switch` events on: the figure behind scenario 13's tail, which a
 * mean from /proc/<pid>/schedstat hides. For each thread woken at least MIN times: p50, p99,
 * p99.9, max and the share of wake-ups that waited over 1 ms; then, for those slow ones, what
 * the CPU ran in the meantime (a preempted busy loop shows as `R`).
 *
 *   mount -t tracefs nodev /sys/kernel/tracing        # once per boot, as root
 *   cd /sys/kernel/tracing && echo 30000 > buffer_size_kb
 *   echo 1 > events/sched/sched_wakeup/enable && echo 1 > events/sched/sched_switch/enable
 *   echo > trace; echo 1 > tracing_on; …the run…; echo 0 > tracing_on; cat trace > /tmp/t.txt
 *   node dist/bench/tools/wake-latency.js /tmp/t.txt [MIN]
 *
 * Turn the events off afterwards (`echo 0 > …/enable`): they cost a little on every switch.
 */
const WAKEUP = /\s(\d+\.\d+): sched_wakeup: comm=(.*?) pid=(\d+) /;
const SWITCH = /\s(\d+\.\d+): sched_switch: prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+) /;
const SLOW_MS = 1;

const [file, minText = '200'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: wake-latency.js TRACE.txt [MIN_WAKEUPS]\n');
  process.exit(2);
}

const wokenAt = new Map<number, number>();
const waits = new Map<number, number[]>();
const names = new Map<number, string>();
const slowBehind = new Map<string, number>();
let lines = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const wake = WAKEUP.exec(line);
  if (wake !== null) {
    const tid = Number(wake[3]);
    names.set(tid, wake[2] as string);
    wokenAt.set(tid, Number(wake[1]));
    lines++;
    continue;
  }
  const sw = SWITCH.exec(line);
  if (sw === null) continue;
  lines++;
  const tid = Number(sw[6]);
  const since = wokenAt.get(tid);
  if (since === undefined) continue;
  wokenAt.delete(tid);
  const ms = (Number(sw[1]) - since) * 1000;
  let list = waits.get(tid);
  if (list === undefined) waits.set(tid, (list = []));
  list.push(ms);
  if (ms > SLOW_MS) {
    const behind = `${sw[2]}-${sw[3]} (${sw[4]})`;
    slowBehind.set(behind, (slowBehind.get(behind) ?? 0) + 1);
  }
}
if (lines === 0) {
  process.stderr.write(`${file}: no sched_wakeup or sched_switch lines; were the events enabled?\n`);
  process.exit(1);
}

const at = (sorted: number[], p: number): string => percentile(sorted, p).toFixed(3);
const out = [`${file}: wake-up to running, ms, threads woken at least ${minText} times`];
for (const [tid, list] of [...waits].filter(([, l]) => l.length >= Number(minText)).sort((a, b) => b[1].length - a[1].length)) {
  const sorted = [...list].sort((a, b) => a - b);
  const slow = sorted.filter((ms) => ms > SLOW_MS).length;
  out.push(
    `  ${`${names.get(tid) ?? '?'}-${tid}`.padEnd(26)} n ${String(sorted.length).padStart(6)}  p50 ${at(sorted, 50)}  p99 ${at(sorted, 99)}  p99.9 ${at(sorted, 99.9)}  max ${(sorted[sorted.length - 1] as number).toFixed(2)}  >${SLOW_MS} ms ${((100 * slow) / sorted.length).toFixed(1)} %`,
  );
}
out.push('', `what ran before a thread woken over ${SLOW_MS} ms earlier got its CPU (all threads):`);
for (const [behind, n] of [...slowBehind].sort((a, b) => b[1] - a[1]).slice(0, 10)) out.push(`  ${String(n).padStart(5)}  ${behind}`);
process.stdout.write(`${out.join('\n')}\n`);

import { start, stop } from './children.js';
import { cpuSeconds } from './procstat.js';

export interface BusyLoad {
  /** Stops the processes; the CPU they got, in cores on average since they started. */
  stop(): Promise<number>;
}

/**
 * `count` CPU-bound processes (a bare loop in Node), each in a session of its own as every
 * bench child is, so the scheduler treats them as it would a user's compiler or test runner:
 * other work that competes for the cores, not work of the bench.
 */
/**
 * A bare loop that looks up every ~50 ms of work whether the bench that started it is still its
 * parent, and stops at the latest after 15 minutes: a bench killed mid-scenario once left two of
 * these on both cores for half an hour, skewing every measurement after it.
 */
const BUSY_LOOP = `const parent = Number(process.argv[1]); const end = Date.now() + 15 * 60_000;
for (;;) { for (let i = 0; i < 5e7; i++); if (process.ppid !== parent || Date.now() > end) process.exit(0); }`;

export function startBusy(count: number): BusyLoad {
  const children = Array.from({ length: count }, () => start(process.execPath, ['-e', BUSY_LOOP, String(process.pid)]));
  const startedAt = performance.now();
  return {
    async stop(): Promise<number> {
      const seconds = (performance.now() - startedAt) / 1000;
      let cpu = 0;
      for (const child of children) {
        try {
          cpu += cpuSeconds(child.pid as number);
        } catch {
          // Gone already: what it used is lost, and the share reads low, which is the honest side.
        }
      }
      await Promise.all(children.map((child) => stop(child)));
      return cpu / seconds;
    },
  };
}

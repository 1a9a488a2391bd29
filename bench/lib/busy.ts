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
export function startBusy(count: number): BusyLoad {
  const children = Array.from({ length: count }, () => start(process.execPath, ['-e', 'for (;;) {}']));
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

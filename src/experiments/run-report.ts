import type { RunCreate, RunUpdate } from '../api/runs.js';
import { FaultlineError, type Faultline } from '../client/index.js';

/** Progress is sent at most this often; start, cells and the end are sent as they happen. */
const PROGRESS_MS = 1000;
/**
 * Timers count whole milliseconds of a loop clock that lags real time, so two of the runner's
 * 500 ms ticks can come a fraction of a millisecond under a second apart by this clock. Without
 * slack that report is dropped, the next point comes 1.5 s after the last, and a 1 s fault can
 * fall between two points (the likely cause of one failure of test/experiments/run-report.test.ts
 * in five CI runs).
 */
const PROGRESS_SLACK_MS = 50;
/** How long the end of a run waits for its last report; the run's result never waits longer. */
const FINAL_WAIT_MS = 2000;

type Warn = (message: string) => void;
const stderr: Warn = (message) => void process.stderr.write(`${message}\n`);

/**
 * One server's copy of the run. Reports go one at a time and in order: while one is on its way,
 * the next ones are merged into a single pending update, so a slow server costs the run no
 * memory beyond one update and no time at all.
 */
class ServerReport {
  private id: string | undefined;
  private off = false;
  private pending: RunUpdate | undefined;
  private sending: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly client: Faultline,
    private readonly fail: (client: Faultline, err: unknown) => void,
  ) {}

  start(spec: RunCreate): void {
    this.busy = true;
    this.sending = this.client.createRun(spec).then(
      (run) => void (this.id = run.id),
      (err: unknown) => this.stop(err),
    ).then(() => this.drain());
  }

  send(change: RunUpdate): void {
    if (this.off) return;
    this.pending = merge(this.pending, change);
    if (!this.busy) this.sending = this.drain();
  }

  /** Resolves once everything queued so far has been sent (or given up on). */
  settled(): Promise<void> {
    return this.sending;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (!this.off && this.id !== undefined && this.pending !== undefined) {
      const change = this.pending;
      this.pending = undefined;
      await this.client.updateRun(this.id, change).catch((err: unknown) => this.stop(err));
    }
    this.busy = false;
  }

  private stop(err: unknown): void {
    this.off = true;
    this.pending = undefined;
    // A server without runs (Toxiproxy, an older faultline) answers 404: not worth a word.
    if (!(err instanceof FaultlineError && err.status === 404)) this.fail(this.client, err);
  }
}

/** Points are added up; any other field, the latest wins; cells of the same row and feature, the latest. */
function merge(a: RunUpdate | undefined, b: RunUpdate): RunUpdate {
  if (a === undefined) return { ...b };
  const out: RunUpdate = { ...a, ...b };
  if (a.points !== undefined || b.points !== undefined) out.points = [...(a.points ?? []), ...(b.points ?? [])];
  if (a.cells !== undefined || b.cells !== undefined) out.cells = [...(a.cells ?? []), ...(b.cells ?? [])];
  return out;
}

/**
 * Tells the faultline servers a runner drives about its run, for their dashboards: start,
 * progress at most once a second, and the end. Reporting never fails or slows the run: nothing
 * here is awaited but the end, and that for at most two seconds; a server that does not know
 * runs is skipped without a word, any other failure is said once, in one line, and that server
 * is told nothing more.
 */
export class RunReporter {
  private readonly servers: ServerReport[];
  private lastProgress = -Infinity;
  private warned = false;

  constructor(clients: Iterable<Faultline>, spec: RunCreate, warn: Warn = stderr) {
    const fail = (client: Faultline, err: unknown): void => {
      if (this.warned) return;
      this.warned = true;
      warn(`warning: could not report the run to ${client.url} (its dashboard will not show it): ${(err as Error).message}`);
    };
    // Two names for one server (two `servers` entries with one URL) are one run there, not two.
    const byUrl = new Map([...clients].map((c) => [c.url, c]));
    this.servers = [...byUrl.values()].map((c) => new ServerReport(c, fail));
    for (const s of this.servers) s.start(spec);
  }

  /** A progress report, dropped if the last one went less than a second ago. */
  progress(change: RunUpdate): void {
    const now = performance.now();
    if (now - this.lastProgress < PROGRESS_MS - PROGRESS_SLACK_MS) return;
    this.lastProgress = now;
    this.send(change);
  }

  /** A report that must not be dropped (a matrix cell, a phase change); still never awaited. */
  send(change: RunUpdate): void {
    for (const s of this.servers) s.send(change);
  }

  /** The last report: waits for it, at most FINAL_WAIT_MS, so a CLI exiting next does not cut it off. */
  async end(change: RunUpdate): Promise<void> {
    this.send(change);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, FINAL_WAIT_MS)));
    await Promise.race([Promise.all(this.servers.map((s) => s.settled())), timeout]);
    clearTimeout(timer);
  }
}

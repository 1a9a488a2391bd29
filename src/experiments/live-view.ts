import { formatDuration } from './duration.js';
import type { LiveState, RunView } from './runner.js';

const fmt = (x: number | undefined, unit: string): string => (x === undefined ? '–' : `${x < 10 ? x.toFixed(1) : Math.round(x)}${unit}`);

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function summary(s: LiveState): string {
  return `rate ${fmt(s.rate, '/s')}  errors ${s.errorRate === undefined ? '–' : `${(s.errorRate * 100).toFixed(1)}%`}  p50 ${fmt(s.p50, 'ms')}  p99 ${fmt(s.p99, 'ms')}  in flight ${s.inFlight}`;
}

/**
 * On a terminal: a block redrawn in place — phase, a progress bar with elapsed and remaining
 * time, rate, error rate, p50/p99, active faults and each threshold. Elsewhere (CI logs):
 * plain timestamped lines, a status line every 5 s and one per event.
 */
export class LiveView implements RunView {
  private drawn = 0;
  private lastLine = 0;
  private last: LiveState | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly out: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout,
    private readonly tty = (out as NodeJS.WriteStream).isTTY === true,
  ) {}

  private stamp(): string {
    return `[${formatDuration(performance.now() - this.started).padStart(6)}]`;
  }

  event(message: string): void {
    if (this.tty) {
      this.clear();
      this.out.write(`${this.stamp()} ${message}\n`);
      if (this.last !== undefined) this.draw(this.last);
    } else this.out.write(`${this.stamp()} ${message}\n`);
  }

  update(state: LiveState): void {
    this.last = state;
    if (this.tty) {
      this.clear();
      this.draw(state);
      return;
    }
    const now = performance.now();
    if (now - this.lastLine < 5000) return;
    this.lastLine = now;
    const tripped = state.thresholds.filter((t) => t.tripped).length;
    this.out.write(
      `${this.stamp()} ${state.phase} ${formatDuration(state.elapsedMs)}/${formatDuration(state.durationMs)}  ${summary(state)}  faults ${state.active.length}  thresholds ${tripped}/${state.thresholds.length} tripped\n`,
    );
  }

  /** Leaves the last block on screen. */
  close(): void {
    this.drawn = 0;
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(s: LiveState): void {
    const remaining = Math.max(0, s.durationMs - s.elapsedMs);
    const lines = [
      `\x1b[1m${s.title}\x1b[0m — ${s.phase}`,
      `${bar(s.elapsedMs / Math.max(1, s.durationMs), 30)} ${formatDuration(s.elapsedMs)} elapsed, ${formatDuration(remaining)} left`,
      summary(s),
      `faults: ${s.active.length === 0 ? 'none' : s.active.map((a) => `${a.type}${a.toxic === undefined ? '' : ` (${a.toxic})`} on ${a.proxy}`).join(', ')}`,
      ...s.thresholds.map((t) => `${t.tripped ? '\x1b[31m✗ tripped\x1b[0m' : '\x1b[32m✓ holding\x1b[0m'} ${t.threshold.source}  ${t.message}`),
    ];
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}

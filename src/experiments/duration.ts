/** Durations as people write them in experiment files: `500ms`, `10s`, `1.5m`, `1h`. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
export const DURATION_HINT = 'a duration such as 500ms, 10s, 1.5m or 1h';

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (UNITS[m[2] as string] as number));
}

/** `1500` → `1.5s`, `90000` → `1m30s`: for journals and the terminal. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}

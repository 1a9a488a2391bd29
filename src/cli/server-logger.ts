export type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

type Log = { (fields: object, message?: string): void; (message: string): void };

/** What the server and the commands that start one use of pino; the data plane's Logger is a slice of it. */
export interface ServerLogger {
  debug: Log;
  info: Log;
  warn: Log;
  error: Log;
  isLevelEnabled(level: string): boolean;
  flush(): void;
}

const ignore = (): void => {};
const silent: ServerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore, isLevelEnabled: () => false, flush: ignore };

/**
 * The servers the CLI starts (`faultline server`, `vaurien`) log JSON lines through pino, to
 * stderr or appended to a file. pino is loaded only when something is to be written: it takes
 * about 20 ms of a start (docs/performance.md), which `--log-level silent` (test suites, the
 * bench) need not pay.
 */
export async function serverLogger(level: LevelName, base: Record<string, unknown>, file?: string): Promise<ServerLogger> {
  if (level === 'silent') return silent;
  const { default: pino } = await import('pino');
  const destination = file === undefined ? pino.destination(2) : pino.destination({ dest: file, mkdir: true, sync: true });
  const logger: ServerLogger = pino({ level, base }, destination);
  return logger;
}

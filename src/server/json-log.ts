import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../proxy/logger.js';

/**
 * The servers the CLI starts (`faultline server`, `vaurien`) log JSON lines in pino's format:
 * its level numbers, `time` in epoch milliseconds, the base fields, the call's fields, `msg`,
 * and an `err` as pino's serializer writes it. pino itself took about 20 ms of a server's start (it loads worker_threads, assert
 * and its transports), a sixth of the whole; what the CLI needs of it is these few lines.
 * `startServer({ logger })` still takes any logger with this shape, pino's included.
 */
export const LEVEL_VALUES = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LevelName = keyof typeof LEVEL_VALUES;

type Write = (line: string) => void;

export interface JsonLogger extends Logger {
  trace(fields: object | string, message?: string): void;
  debug(fields: object | string, message?: string): void;
  info(fields: object | string, message?: string): void;
  warn(fields: object | string, message?: string): void;
  error(fields: object | string, message?: string): void;
  fatal(fields: object | string, message?: string): void;
  isLevelEnabled(level: string): boolean;
  /** Lines are written as they are logged; nothing is held back. */
  flush(): void;
}

/** pino's `err` serializer: the class name, message and stack, then the error's own fields (`code`…). */
function errorJson(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.constructor?.name ?? err.name, message: err.message, stack: err.stack };
  for (const [key, value] of Object.entries(err)) if (!(key in out)) out[key] = value;
  return out;
}

const replacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

function line(level: number, base: object, fields: object | string, message: string | undefined): string {
  const own = typeof fields === 'string' ? {} : fields;
  const msg = typeof fields === 'string' ? fields : message;
  const err = (own as { err?: unknown }).err;
  const record = { level, time: Date.now(), ...base, ...own, ...(err instanceof Error ? { err: errorJson(err) } : {}), ...(msg === undefined ? {} : { msg }) };
  try {
    return `${JSON.stringify(record, replacer)}\n`;
  } catch (cause) {
    // A field that cannot be written (a cycle) must not take the server down with it.
    return `${JSON.stringify({ level, time: record.time, ...base, msg, log_error: (cause as Error).message })}\n`;
  }
}

/** Where lines go: stderr (synchronous on Linux for files, pipes and terminals), or a file appended to. */
function writer(file: string | undefined): Write {
  if (file === undefined) return (text) => void process.stderr.write(text);
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a');
  return (text) => writeSync(fd, text);
}

export function jsonLogger(level: LevelName, base: object, file?: string): JsonLogger {
  const threshold = LEVEL_VALUES[level];
  const write = threshold === Infinity ? () => {} : writer(file);
  const at = (value: number) =>
    value < threshold ? () => {} : (fields: object | string, message?: string) => write(line(value, base, fields, message));
  return {
    trace: at(10),
    debug: at(20),
    info: at(30),
    warn: at(40),
    error: at(50),
    fatal: at(60),
    isLevelEnabled: (name) => (LEVEL_VALUES[name as LevelName] ?? Infinity) >= threshold,
    flush: () => {},
  };
}

import { spawn, spawnSync } from 'node:child_process';
import { BIN } from '../helpers/binary.js';

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to an environment without FAULTLINE_URL or TOXIPROXY_URL, so the caller's shell cannot leak in. */
  env?: Record<string, string>;
}

function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { FAULTLINE_URL: _f, TOXIPROXY_URL: _t, ...rest } = process.env;
  return { ...rest, ...extra };
}

/** Runs the built faultline binary with stdout piped (so not a terminal). */
export function cli(args: readonly string[], options: RunOptions = {}): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: environment(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs the binary against `url`, expects exit 0 and returns stdout. */
export async function ok(url: string, args: readonly string[]): Promise<string> {
  const result = await cli([...args, '--host', url]);
  if (result.code !== 0) throw new Error(`faultline ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Runs the binary against `url`, expects exit 1 with one line on stderr, and returns that line. */
export async function fails(url: string, args: readonly string[]): Promise<string> {
  const result = await cli([...args, '--host', url]);
  if (result.code !== 1) throw new Error(`faultline ${args.join(' ')} exited ${result.code}, expected 1: ${result.stdout}${result.stderr}`);
  if (result.stdout !== '') throw new Error(`faultline ${args.join(' ')} printed to stdout on failure: ${result.stdout}`);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${result.stderr}`);
  return lines[0] as string;
}

/** `script` (util-linux) gives the child a pseudo-terminal, so stdout.isTTY is true in it. */
export const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the binary on a terminal and returns what it wrote there, with \r\n turned into \n. */
export function onTerminal(args: readonly string[]): Promise<Exit> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: environment() });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' })),
  );
}

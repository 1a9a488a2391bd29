import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Every process the bench starts, so that any exit path (normal end, a thrown error, Ctrl-C)
 * can end them all. Children are started in their own process group (detached) and the whole
 * group is signalled, so a tool that forks (nginx, bash before exec) leaves nothing behind.
 */
const live = new Set<ChildProcess>();

export interface SpawnOptions {
  /** Raise the open-files limit first (through bash, since Node cannot set rlimits). */
  nofile?: number;
  env?: NodeJS.ProcessEnv;
  /** Our own helpers' errors are worth seeing; a tool's chatter is not. */
  stderr?: 'ignore' | 'inherit';
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

export function start(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const [file, argv] =
    options.nofile === undefined
      ? [command, [...args]]
      : ['bash', ['-c', `ulimit -n ${options.nofile} && exec ${[command, ...args].map(quote).join(' ')}`]];
  const child = spawn(file, argv, {
    detached: true,
    stdio: ['pipe', 'pipe', options.stderr ?? 'ignore'],
    env: options.env ?? process.env,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A child dying must not take the bench down with an unhandled EPIPE.
  child.stdin?.on('error', () => {});
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Asks politely (so --cpu-prof can write its profile), then kills what is left. */
export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    signalGroup(child, 'SIGKILL');
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Grandchildren (nginx workers, a bash that did not exec) share the group.
  signalGroup(child, 'SIGKILL');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stop(child)));
}

/** Synchronous last resort for process 'exit', where nothing asynchronous runs any more. */
export function killAllNow(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
  live.clear();
}

/** Runs a tool to completion and returns its stdout; it is killed if it outlives `timeoutMs`. */
export async function run(command: string, args: readonly string[], timeoutMs: number, options: SpawnOptions = {}): Promise<string> {
  const child = start(command, args, options);
  child.stdin?.end();
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (out += text));
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code ?? 'a signal'}: ${out.slice(-500)}`);
  return out;
}

/**
 * A child that speaks JSON lines: commands on stdin, one answer per line on stdout. Our own
 * load clients and upstream servers work this way, so the bench can drive them step by step.
 */
export class LineChild {
  private readonly queue: unknown[] = [];
  private waiter: ((line: unknown) => void) | null = null;
  private exited = false;

  constructor(readonly process: ChildProcess) {
    const lines = createInterface({ input: process.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (this.waiter !== null) {
        const w = this.waiter;
        this.waiter = null;
        w(value);
      } else this.queue.push(value);
    });
    process.once('exit', () => {
      this.exited = true;
      this.waiter?.({ error: `child exited (${process.exitCode ?? process.signalCode})` });
      this.waiter = null;
    });
  }

  send(command: unknown): void {
    this.process.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  /** The next line; rejects after `timeoutMs`, or with the child's own error message. */
  async next<T>(timeoutMs: number): Promise<T> {
    let value: unknown;
    if (this.queue.length > 0) value = this.queue.shift();
    else if (this.exited) throw new Error('child has exited');
    else {
      value = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          reject(new Error(`no answer from child within ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiter = (line) => {
          clearTimeout(timer);
          resolve(line);
        };
      });
    }
    if (typeof value === 'object' && value !== null && 'error' in value) throw new Error(String((value as { error: unknown }).error));
    return value as T;
  }

  async ask<T>(command: unknown, timeoutMs: number): Promise<T> {
    this.send(command);
    return this.next<T>(timeoutMs);
  }

  stop(): Promise<void> {
    return stop(this.process);
  }
}

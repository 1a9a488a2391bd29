import { spawn } from 'node:child_process';

export interface CommandResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Output kept per stream: enough to read in a journal, bounded for a chatty tool. */
const KEEP = 64 * 1024;

/**
 * Runs a command line through `sh -c` (a string) or a program with arguments (a list), with a
 * time limit after which the process group is killed.
 */
export function runCommand(run: string | readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<CommandResult> {
  const [file, args] = typeof run === 'string' ? ['sh', ['-c', run]] : [run[0] as string, run.slice(1)];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-KEEP)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-KEEP)));
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, stdout, stderr: stderr + err.message, timedOut, durationMs: performance.now() - started });
    });
    child.on('close', (status, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ status, signal: sig, stdout, stderr, timedOut, durationMs: performance.now() - started });
    });
  });
}

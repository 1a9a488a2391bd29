import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI, run as users run it, so its memory and descriptors are its own. */
const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resident memory of the server process, in bytes (from /proc). */
  rss(): number;
  /** Open file descriptors of the server process. */
  fds(): number;
  stop(): Promise<void>;
  /** The server's last log lines (errors, a crash's stack). */
  logs(): string;
}

/** Starts `faultline server` on an ephemeral port and resolves once it logs its URL. */
export function startServerProcess(nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'server', '--port', '0', '--seed', '14'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c;
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
      const m = /"url":"(http:[^"]+)"/.exec(stderr);
      if (m === null || child.pid === undefined) return;
      const pid = child.pid as number;
      resolve({
        child,
        url: m[1] as string,
        rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
        fds: () => readdirSync(`/proc/${pid}/fd`).length,
        logs: () => stderr.slice(-5000),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('close', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

/** One control-API call; returns the status, body and how long it took. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(url + path, {
    method,
    headers: { 'User-Agent': 'faultline-soak' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, ms: performance.now() - started };
}

export const portOf = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1));
export const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

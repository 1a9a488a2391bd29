import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { unusedPort } from './sockets.js';

export interface Memcached {
  port: number;
  stop(): Promise<void>;
}

const BINARY = ['/usr/bin/memcached', '/usr/local/bin/memcached'].find((p) => existsSync(p));

/**
 * A real memcached (Debian's package, installed by scripts/system-deps.sh) on a free loopback
 * port, for one test file; nothing is shared with a system instance.
 */
export async function startMemcached(): Promise<Memcached> {
  if (BINARY === undefined) throw new Error('memcached is not installed: run scripts/system-deps.sh (apt-get install memcached)');
  const port = await unusedPort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64'];
  if (process.getuid?.() === 0) args.push('-u', 'nobody');
  const child: ChildProcess = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 5000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`memcached did not start on port ${port}: ${stderr.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

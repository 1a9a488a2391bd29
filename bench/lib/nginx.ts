import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, stop } from './children.js';
import { freePort, waitForPort } from './ports.js';

export interface Nginx {
  port: number;
  child: ChildProcess;
  prefix: string;
}

/**
 * Our own nginx: a temp prefix and config, one process (master_process off, so nothing forks
 * past our process group), no access log, keep-alive without a request cap so wrk never
 * reconnects mid-run. It serves one 1 KiB file.
 */
export async function startNginx(binary: string): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'faultline-bench-nginx-'));
  const port = await freePort();
  mkdirSync(join(prefix, 'www'));
  mkdirSync(join(prefix, 'body'));
  writeFileSync(join(prefix, 'www', 'index.html'), 'a'.repeat(1024));
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${prefix}/www;
  }
}
`,
  );
  const child = start(binary, ['-p', prefix, '-e', `${prefix}/error.log`, '-c', `${prefix}/nginx.conf`]);
  await waitForPort(port);
  return { port, child, prefix };
}

export async function stopNginx(nginx: Nginx): Promise<void> {
  await stop(nginx.child);
  rmSync(nginx.prefix, { recursive: true, force: true });
}

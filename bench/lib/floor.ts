import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineChild, start } from './children.js';

const source = fileURLToPath(new URL('../../../bench/reference/epoll-proxy.c', import.meta.url));
const binary = fileURLToPath(new URL('../reference/epoll-proxy', import.meta.url));

/**
 * The reference proxy of bench/reference/epoll-proxy.c, compiled on first use (or when the source
 * is newer) with the machine's C compiler. Null, with the reason, when there is none.
 */
export function floorProxyBinary(): { path: string } | { error: string } {
  try {
    if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
      mkdirSync(dirname(binary), { recursive: true });
      execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    return { path: binary };
  } catch (err) {
    return { error: `could not build ${source}: ${(err as Error).message.split('\n')[0] ?? ''}` };
  }
}

/** Starts the reference proxy from `port` to `upstreamPort`; resolves once it listens. */
export async function startFloorProxy(path: string, port: number, upstreamPort: number): Promise<LineChild> {
  const child = new LineChild(start(path, [String(port), String(upstreamPort)], { stderr: 'inherit' }));
  await child.next<{ port: number }>(5_000);
  return child;
}

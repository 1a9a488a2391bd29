import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineChild, start } from './children.js';
import type { Context } from './context.js';
import { freePort } from './ports.js';
import type { Endpoint } from './targets.js';

const source = fileURLToPath(new URL('../../../bench/reference/epoll-proxy.c', import.meta.url));
const binary = fileURLToPath(new URL('../reference/epoll-proxy', import.meta.url));

/** The reference C proxy, compiled on first use (or when the source is newer) with `cc`. */
function referenceBinary(): string {
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(dirname(binary), { recursive: true });
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return binary;
}

export interface ReferenceProxy {
  endpoint: Endpoint;
  stop(): Promise<void>;
}

/**
 * Starts bench/reference/epoll-proxy.c in front of `upstreamPort` as the 'reference' target:
 * the floor any user-space proxy pays on this machine, measured in the same rounds. Null, with
 * a note, where it cannot be built (no C compiler) or does not start.
 */
export async function startReferenceProxy(ctx: Context, scenario: string, upstreamPort: number): Promise<ReferenceProxy | null> {
  let path: string;
  try {
    path = referenceBinary();
  } catch (err) {
    ctx.notes.push(`${scenario}: no reference proxy (could not build ${source}: ${(err as Error).message.split('\n')[0] ?? ''})`);
    return null;
  }
  const port = await freePort();
  const child = new LineChild(start(path, [String(port), String(upstreamPort)], { stderr: 'inherit' }));
  try {
    await child.next<{ port: number }>(5_000);
  } catch (err) {
    await child.stop();
    ctx.notes.push(`${scenario}: the reference proxy did not start (${(err as Error).message})`);
    return null;
  }
  return { endpoint: { target: 'reference', port }, stop: () => child.stop() };
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineChild, start } from './children.js';

/** The compiled bench folder (dist/bench), where our clients and servers live as .js. */
const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** The open-files hard limit: what a child may raise its soft limit to without privileges. */
export const maxNofile: number = (() => {
  const text = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? 65536 : Math.min(65536, Number(text));
})();

/** Starts one of our own Node helpers (e.g. 'clients/rtt.js') as a separate process. */
export function startHelper(script: string, args: readonly string[] = []): LineChild {
  const child = start(process.execPath, [`${benchDir}${script}`, ...args], { nofile: maxNofile, stderr: 'inherit' });
  return new LineChild(child);
}

/** Runs a one-shot helper that prints a single JSON line and exits. */
export async function runHelper<T>(script: string, args: readonly string[], timeoutMs: number): Promise<T> {
  const helper = startHelper(script, args);
  try {
    return await helper.next<T>(timeoutMs);
  } finally {
    await helper.stop();
  }
}

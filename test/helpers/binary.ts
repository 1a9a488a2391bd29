import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as users run it. */
export const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/**
 * Starts the faultline binary with `args` and resolves once it logs the URL it listens on,
 * or rejects with its output if it exits first.
 */
export function serveBinary(args: string[]): Promise<{ child: ChildProcess; url: string; logs: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      const m = /"url":"(http:[^"]+)"/.exec(stderr);
      if (m !== null) resolve({ child, url: m[1] as string, logs: () => stderr });
    });
    child.on('close', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

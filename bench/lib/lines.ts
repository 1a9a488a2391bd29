import { createInterface } from 'node:readline';

/** For helpers: one JSON answer per line on stdout, which the bench reads with LineChild. */
export function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Runs `handle` for each JSON command line on stdin, one at a time. The helper exits when stdin
 * closes, so a helper whose bench died does not linger.
 */
export function serveCommands(handle: (command: Record<string, unknown>) => Promise<unknown> | unknown): void {
  const lines = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  lines.on('line', (line) => {
    chain = chain.then(async () => {
      try {
        answer(await handle(JSON.parse(line) as Record<string, unknown>));
      } catch (err) {
        answer({ error: (err as Error).message });
      }
    });
  });
  lines.on('close', () => void chain.then(() => process.exit(0)));
}

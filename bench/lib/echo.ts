import type { LineChild } from './children.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the echo upstream holds `count` connections: the proxy has dialled them all. */
export async function upstreamHolds(echo: LineChild, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { connections } = await echo.ask<{ connections: number }>({ cmd: 'count' }, 5000);
    if (connections === count) return;
    if (Date.now() > deadline) throw new Error(`upstream holds ${connections} connections, expected ${count}`);
    await sleep(50);
  }
}

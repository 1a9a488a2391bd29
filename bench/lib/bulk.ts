import type { ChildProcess } from 'node:child_process';
import { run, start, stop, type LineChild } from './children.js';
import type { Context } from './context.js';
import { runHelper, startHelper } from './node.js';
import { freePort, waitForPort } from './ports.js';

/** The bulk upstream: an iperf3 server, or our own bulk server where iperf3 is missing. */
export type BulkUpstream = { kind: 'iperf3'; port: number; child: ChildProcess } | { kind: 'node'; port: number; server: LineChild };

export type Direction = 'up' | 'down';

export async function startBulkUpstream(ctx: Context): Promise<BulkUpstream> {
  if (ctx.tools.iperf3 !== null) {
    const port = await freePort();
    const child = start(ctx.tools.iperf3, ['-s', '-B', '127.0.0.1', '-p', String(port)]);
    await waitForPort(port);
    return { kind: 'iperf3', port, child };
  }
  const server = startHelper('servers/bulk.js');
  const { port } = await server.next<{ port: number }>(10_000);
  return { kind: 'node', port, server };
}

export async function stopBulkUpstream(upstream: BulkUpstream): Promise<void> {
  await (upstream.kind === 'iperf3' ? stop(upstream.child) : upstream.server.stop());
}

interface IperfJson {
  end?: { sum_received?: { bytes: number; seconds: number } };
  error?: string;
}

async function iperf(ctx: Context, port: number, direction: Direction, streams: number, seconds: number): Promise<{ bytes: number; seconds: number }> {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-P', String(streams), '-J'];
  if (direction === 'down') args.push('-R');
  // The iperf3 server takes one test at a time and may still be tidying the last one up.
  for (let attempt = 1; ; attempt++) {
    try {
      const json = JSON.parse(await run(ctx.tools.iperf3 as string, args, seconds * 1000 + 15_000)) as IperfJson;
      const sum = json.end?.sum_received;
      if (sum === undefined) throw new Error(json.error ?? 'iperf3 printed no result');
      return { bytes: sum.bytes, seconds: sum.seconds };
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Moves data one way through `port` for `seconds`; the rate is what the receiver got. */
export async function measureBulk(ctx: Context, upstream: BulkUpstream, port: number, direction: Direction, streams: number, seconds: number): Promise<{ bytes: number; seconds: number }> {
  if (upstream.kind === 'iperf3') return iperf(ctx, port, direction, streams, seconds);
  const args = [String(port), direction === 'up' ? 'send' : 'recv', String(streams), String(seconds)];
  const local = await runHelper<{ bytes: number; seconds: number }>('clients/bulk.js', args, seconds * 1000 + 15_000);
  if (direction === 'down') return local;
  // Let the last bytes through the proxy reach the sink before asking what arrived.
  await new Promise((r) => setTimeout(r, 200));
  return upstream.server.ask<{ bytes: number; seconds: number }>({ cmd: 'sunk' }, 5000);
}

export const gbits = (r: { bytes: number; seconds: number }): number => (r.bytes * 8) / r.seconds / 1e9;

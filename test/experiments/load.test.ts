import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArrivalPlan } from '../../src/experiments/load/arrivals.js';
import { LoadGenerator } from '../../src/experiments/load/generator.js';
import { percentileMs } from '../../src/experiments/load/stats.js';
import { startTarget } from './targets.js';

test('arrival plans: constant spacing, and a ramp whose count is the area under the rate', () => {
  const constant = ArrivalPlan.constant(100, 1000);
  assert.equal(constant.timeOf(0), 0);
  assert.ok(Math.abs(constant.timeOf(50) - 500) < 1e-6);
  assert.equal(constant.timeOf(100), Infinity);
  // 0 → 100 rps over 2 s is 100 arrivals, then 100 rps for 1 s is 100 more.
  const ramp = ArrivalPlan.ramped([{ to: 100, over: 2000 }], 3000);
  let n = 0;
  while (ramp.timeOf(n) !== Infinity) n++;
  assert.ok(Math.abs(n - 200) <= 1, `ramp made ${n} arrivals`);
  assert.ok(Math.abs(ramp.rateAt(1000) - 50) < 1e-9);
  // Halfway through the ramp by time, a quarter of its arrivals are due.
  assert.ok(Math.abs(ramp.timeOf(25) - 1000) < 5);
});

/**
 * The rate the server saw: the median, over every run of `rate` consecutive arrivals after
 * `from`, of `rate` ÷ the time they took. A busy machine stalls this process now and then, and
 * the generator then sends what it owes at once; the median of these one-second rates is not
 * moved by a few stalls, where a rate taken over one window is moved by a stall at its edges.
 */
function medianRate(arrivals: readonly number[], rate: number, from: number): number {
  const times = arrivals.filter((t) => t >= from);
  const rates: number[] = [];
  for (let i = 0; i + rate < times.length; i++) rates.push((rate * 1000) / ((times[i + rate] as number) - (times[i] as number)));
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] as number;
}

interface ChildTarget {
  url: string;
  /** Arrival times since the last call, and the longest stall of the target's event loop. */
  report(): Promise<{ arrivals: number[]; stallMs: number }>;
  close(): void;
}

/** target-process.js in a child process: the generator then has this process to itself. */
async function startChildTarget(delayMs: number): Promise<ChildTarget> {
  const child = fork(fileURLToPath(new URL('./target-process.js', import.meta.url)), [String(delayMs)], { stdio: 'ignore' });
  const [first] = (await once(child, 'message')) as [{ port: number }];
  return {
    url: `http://127.0.0.1:${first.port}`,
    report: async () => {
      child.send('report');
      const [reply] = (await once(child, 'message')) as [{ arrivals: number[]; stallMs: number }];
      return reply;
    },
    close: () => child.disconnect(),
  };
}

/** Longest event-loop stall this process may have for a run to be judged to 1 %. */
const QUIET_MS = 40;

test('the generator achieves the requested rate within 1 % and its latencies agree with a direct measurement', async (t) => {
  const target = await startChildTarget(5);
  try {
    // The figures: 1,000 rps over 10 s. The rate is judged after a 1 s warm-up
    // (connections opened, code compiled; calibrating load tools take 10 s for it).
    const rate = 1000;
    const durationMs = 10_000;
    const judged: string[] = [];
    let p50 = 0;
    // The arrival times are only as good as the machine: a run during which either process was
    // held up is not a measurement of the generator. Up to three runs to find a quiet one.
    for (let attempt = 1; attempt <= 3 && judged.length === 0; attempt++) {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const gen = new LoadGenerator({ requests: [{ url: `${target.url}/`, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(rate, durationMs), maxInFlight: 5000, timeoutMs: 5000, seed: 1 });
      gen.start();
      const t0 = performance.timeOrigin + gen.startedAt;
      await gen.done;
      loop.disable();
      const { arrivals, stallMs } = await target.report();
      // Whatever the machine does, every arrival is offered, sent and received: none dropped.
      assert.equal(gen.stats.offered, rate * (durationMs / 1000));
      assert.equal(gen.stats.dropped, 0);
      assert.equal(arrivals.length, gen.stats.offered);
      const stall = Math.max(stallMs, loop.max / 1e6);
      const achieved = medianRate(arrivals, rate, t0 + 1000);
      if (stall > QUIET_MS) {
        t.diagnostic(`run ${attempt}: event loops held up ${stall.toFixed(0)} ms by the machine; ${achieved.toFixed(1)} rps not judged`);
        continue;
      }
      judged.push(`run ${attempt}: ${achieved.toFixed(1)} rps`);
      assert.ok(Math.abs(achieved - rate) / rate < 0.01, `achieved ${achieved.toFixed(1)} rps at the server for ${rate} requested`);
      p50 = percentileMs(gen.stats.responseTime, 50);
    }
    if (judged.length === 0) {
      t.diagnostic('the machine was too busy for three runs in a row: the 1 % rate check was not made (npm run bench measures it)');
      return;
    }
    t.diagnostic(judged.join('; '));
    // Direct: one request at a time on a keep-alive connection, measured with fetch.
    const direct: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await (await fetch(`${target.url}/`)).text();
      direct.push(performance.now() - start);
    }
    direct.sort((a, b) => a - b);
    const directMedian = direct[25] as number;
    assert.ok(p50 >= 5, `p50 ${p50} ms is below the server's 5 ms delay`);
    assert.ok(Math.abs(p50 - directMedian) < 25, `generator p50 ${p50.toFixed(1)} ms vs direct ${directMedian.toFixed(1)} ms`);
  } finally {
    target.close();
  }
});

test('a server that stalls does not lower the offered rate, and the stall shows in the latencies', async () => {
  let stallUntil = 0;
  const target = await startTarget((_req, res) => {
    const wait = Math.max(0, stallUntil - performance.now());
    setTimeout(() => res.end('ok'), wait);
  });
  try {
    const rate = 200;
    const gen = new LoadGenerator({ requests: [{ url: `${target.url}/`, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(rate, 3000), maxInFlight: 1000, timeoutMs: 5000, seed: 1 });
    gen.start();
    // One second into the run the server stops answering for one second.
    setTimeout(() => (stallUntil = performance.now() + 1000), 1000);
    await gen.done;
    assert.equal(gen.stats.offered, 600);
    assert.equal(gen.stats.dropped, 0);
    // Every request of the stalled second reached the server during that second.
    const received = target.arrivals.length;
    assert.equal(received, 600);
    const p90 = percentileMs(gen.stats.responseTime, 90);
    assert.ok(p90 > 300, `p90 ${p90} ms should reflect the 1 s stall (open model)`);
  } finally {
    await target.close();
  }
});

test('arrivals over the in-flight cap are dropped and counted, not queued', async () => {
  const target = await startTarget((_req, res) => setTimeout(() => res.end('ok'), 1000));
  try {
    const gen = new LoadGenerator({ requests: [{ url: `${target.url}/`, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(100, 500), maxInFlight: 10, timeoutMs: 5000, seed: 1 });
    gen.start();
    await gen.done;
    assert.equal(gen.stats.offered, 50);
    assert.equal(gen.stats.sent, 10);
    assert.equal(gen.stats.dropped, 40);
  } finally {
    await target.close();
  }
});

test('weighted mixes follow their weights; timeouts count as failures', async () => {
  const target = await startTarget((req, res) => {
    if (req.url === '/slow') return; // never answers
    res.end('ok');
  });
  try {
    const gen = new LoadGenerator({
      requests: [
        { url: `${target.url}/a`, method: 'GET', weight: 3 },
        { url: `${target.url}/slow`, method: 'GET', weight: 1 },
      ],
      plan: ArrivalPlan.constant(200, 1000),
      maxInFlight: 500,
      timeoutMs: 300,
      seed: 7,
    });
    gen.start();
    await gen.done;
    const slow = gen.stats.timeouts;
    assert.ok(slow > 30 && slow < 70, `${slow} of 200 went to the 1-in-4 slow route`);
    assert.equal(gen.stats.failed, slow);
    assert.equal(gen.stats.completed, 200);
  } finally {
    await target.close();
  }
});

test('the raw-socket client reads every HTTP/1.1 framing a server may answer with, and sends what node:http would', async () => {
  // A server written on raw sockets, so each answer's framing is exactly the one chosen here.
  const seen: string[] = [];
  const answers: Record<string, string> = {
    '/length': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    '/chunked': 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n',
    '/continue': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    '/close': 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
    '/eof': 'HTTP/1.1 200 OK\r\n\r\nuntil the server closes',
    '/error': 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n',
    '/garbage': 'SMTP ready\r\n\r\n',
  };
  const server = createServer((socket) => {
    let pending = '';
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        const body = pending.slice(end + 4, end + 4 + length);
        pending = pending.slice(end + 4 + length);
        seen.push(`${head}\n${body}`);
        const path = (head.split(' ')[1] as string).split('?')[0] as string;
        socket.write(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        if (path === '/close' || path === '/eof') socket.end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://user:p%40ss@127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const paths = Object.keys(answers);
    const gen = new LoadGenerator({
      requests: [
        ...paths.map((path) => ({ url: `${base}${path}`, method: 'GET', weight: 1 })),
        { url: `${base}/length?q=1`, method: 'POST', headers: { 'x-test': 'yes' }, body: { a: 1 }, weight: 1 },
      ],
      plan: ArrivalPlan.constant(200, 2000),
      maxInFlight: 100,
      timeoutMs: 2000,
      seed: 3,
    });
    gen.start();
    await gen.done;
    const s = gen.stats;
    assert.equal(s.completed, 400);
    assert.equal(s.timeouts, 0);
    // The 503s and the unframeable answer fail; every other framing succeeds.
    const statuses = s.statuses;
    assert.ok((statuses.get('503') ?? 0) > 20, JSON.stringify([...statuses]));
    assert.ok((statuses.get('bad response') ?? 0) > 20, JSON.stringify([...statuses]));
    assert.equal(s.failed, (statuses.get("503") ?? 0) + (statuses.get("bad response") ?? 0), JSON.stringify([...statuses]));
    for (const status of ['200', '201', '204']) assert.ok((statuses.get(status) ?? 0) > 20, `${status}: ${JSON.stringify([...statuses])}`);
    const post = seen.find((r) => r.startsWith('POST /length?q=1 HTTP/1.1')) as string;
    assert.match(post, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    assert.match(post, new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from('user:p@ss').toString('base64')}\\r\\n`));
    assert.match(post, /\r\nx-test: yes\r\n/);
    assert.match(post, /\r\ncontent-type: application\/json\r\ncontent-length: 7\n\{"a":1\}$/);
  } finally {
    server.close();
  }
});

/**
 * A raw HTTP/1.1 server that answers each request `delayMs` after it arrived, in order per
 * connection (pipelined requests included); every `closeEvery`th answer on a connection says
 * Connection: close and ends it.
 */
async function startPipelineServer(delayMs: number, closeEvery = Infinity) {
  const state = { connections: 0, arrivals: [] as number[], answered: 0 };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    state.connections++;
    let pending = '';
    let n = 0;
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        pending = pending.slice(end + 4);
        state.arrivals.push(performance.now());
        const close = ++n % closeEvery === 0;
        setTimeout(() => {
          if (socket.destroyed || !socket.writable) return;
          state.answered++;
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${close ? 'Connection: close\r\n' : ''}\r\nok`);
          if (close) socket.end();
        }, delayMs).unref();
        if (close) break;
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = (): void => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, state, close };
}

test('past its connection limit the generator pipelines: requests still go out on time, on the open connections', async () => {
  const server = await startPipelineServer(100);
  try {
    // 200 requests/s against 100 ms answers is 20 in flight, on 4 connections.
    const gen = new LoadGenerator({ requests: [{ url: server.url, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(200, 1000), maxInFlight: 100, connections: 4, timeoutMs: 5000, seed: 1 });
    gen.start();
    await gen.done;
    const s = gen.stats;
    assert.equal(s.completed, 200);
    assert.equal(s.failed, 0);
    assert.equal(s.dropped, 0);
    assert.ok(server.state.connections <= 4, `${server.state.connections} connections`);
    // Queued locally for a free connection they would have reached the server at 40/s, over 5 s.
    const arrivals = server.state.arrivals;
    const span = (arrivals.at(-1) as number) - (arrivals[0] as number);
    assert.ok(span < 1300, `the server received them over ${span.toFixed(0)} ms`);
    const p50 = percentileMs(s.responseTime, 50);
    assert.ok(p50 >= 100 && p50 < 400, `p50 ${p50} ms`);
  } finally {
    server.close();
  }
});

test('a pipelined connection the server closes fails the requests behind the answer, and only those', async () => {
  const server = await startPipelineServer(20, 3);
  try {
    const gen = new LoadGenerator({ requests: [{ url: server.url, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(300, 1000), maxInFlight: 100, connections: 2, timeoutMs: 2000, seed: 1 });
    gen.start();
    await gen.done;
    const s = gen.stats;
    const statuses = Object.fromEntries(s.statuses);
    assert.equal(s.completed, 300, JSON.stringify(statuses));
    assert.equal(s.timeouts, 0);
    assert.equal(statuses['200'], server.state.answered, JSON.stringify(statuses));
    assert.equal(s.failed, 300 - server.state.answered, JSON.stringify(statuses));
    assert.equal(s.failed, statuses['ECONNRESET'] ?? 0, JSON.stringify(statuses));
    assert.ok(s.failed > 0, 'some requests were pipelined behind a closing answer');
  } finally {
    server.close();
  }
});

test('a timeout on a pipelined connection ends the requests behind it too, each counted once', async () => {
  const server = await startPipelineServer(60_000);
  try {
    const gen = new LoadGenerator({ requests: [{ url: server.url, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(100, 500), maxInFlight: 100, connections: 1, timeoutMs: 300, seed: 1 });
    gen.start();
    await gen.done;
    const s = gen.stats;
    assert.equal(s.completed, 50);
    assert.equal(s.failed, 50);
    assert.ok(s.timeouts >= 1, JSON.stringify(Object.fromEntries(s.statuses)));
    assert.equal(gen.inFlightCount, 0);
  } finally {
    server.close();
  }
});

test('stop() cuts pipelined requests without counting any of them as failures', async () => {
  const server = await startPipelineServer(60_000);
  try {
    const gen = new LoadGenerator({ requests: [{ url: server.url, method: 'GET', weight: 1 }], plan: ArrivalPlan.constant(100, 5000), maxInFlight: 100, connections: 2, timeoutMs: 5000, seed: 1 });
    gen.start();
    await new Promise((r) => setTimeout(r, 300));
    await gen.stop(50);
    const s = gen.stats;
    assert.ok(s.sent >= 20, `${s.sent} sent`);
    assert.equal(s.completed, 0);
    assert.equal(s.failed, 0);
    assert.equal(gen.inFlightCount, 0);
  } finally {
    server.close();
  }
});

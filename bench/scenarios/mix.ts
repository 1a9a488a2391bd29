import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { startHttpUpstream } from '../lib/http-upstream.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';
import { loadHttp } from './http.js';

/**
 * What the `mix` toxic costs on its path: wrk → an http proxy without toxics and an http proxy
 * with a mix that draws for every request and acts on none (`100:dummy`, so every response is
 * the upstream's and the load is the same) → nginx, in rotated order each round. Both are
 * faultline; the ratio is taken within each round.
 */
export const mix: Scenario = {
  id: 'mix',
  title: "HTTP through an http proxy with a mix toxic (a draw per request) vs without",
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 3;
    const upstream = await startHttpUpstream(ctx, 'mix');
    const plain: number[] = [];
    const mixed: number[] = [];
    const ratio: PerTarget = {};
    let endpoints: Endpoint[] = [];
    try {
      const a = await startEndpoints(['faultline'], upstream.port, ctx.proxy, { protocol: 'http' });
      const b = await startEndpoints(['faultline'], upstream.port, ctx.proxy, { protocol: 'http' });
      const withMix = b[0] as Endpoint;
      await withMix.server?.api.addToxic(PROXY_NAME, { name: 'mix', type: 'mix', stream: 'downstream', attributes: { behaviors: '100:dummy' } });
      endpoints = [a[0] as Endpoint, withMix];
      for (let round = 0; round < ctx.rounds; round++) {
        const rps = new Map<Endpoint, number>();
        for (const endpoint of roundOrder(endpoints, round)) rps.set(endpoint, (await loadHttp(ctx, endpoint.port, seconds)).rps);
        plain.push(rps.get(endpoints[0] as Endpoint) as number);
        mixed.push(rps.get(withMix) as number);
        push(ratio, 'faultline', (mixed.at(-1) as number) / (plain.at(-1) as number));
        ctx.log(`mix round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await upstream.stop();
    }
    return [
      { scenario: 'mix', label: 'HTTP requests/s, http proxy without toxics', unit: 'req/s', values: { faultline: plain } },
      { scenario: 'mix', label: 'HTTP requests/s, http proxy with mix 100:dummy', unit: 'req/s', values: { faultline: mixed } },
      { scenario: 'mix', label: 'with mix vs without', unit: '×', values: ratio },
    ];
  },
};

import type { ConnectionsResult } from './connections.js';
import type { IntegrityResult } from './integrity.js';
import type { MisbehavingResult } from './misbehaving.js';
import { mb } from './server.js';
import type { SlowClientsResult } from './slow-clients.js';

/** The API must answer within this, whatever the data plane is going through. */
export const API_BOUND_MS = 1000;

/**
 * RSS levels off when the second half of the connections adds less than this share on top of
 * the highest figure of the first half (V8 sizes its young generation to the load first).
 */
export const RSS_GROWTH = 0.1;

export interface Verdict {
  lines: string[];
  holds: boolean;
}

/** Each case's figures in words and whether it holds; shared by `npm run soak` and the short tests. */
export const verdicts = {
  integrity(r: IntegrityResult): Verdict {
    return {
      holds: r.upstreamIntact && r.downstreamIntact,
      lines: [
        `${mb(r.bytesEachWay)} each way in ${r.seconds.toFixed(1)} s (${mb((2 * r.bytesEachWay) / r.seconds)}/s both ways together)`,
        `${r.changes} toxic adds, updates and removes, each 20 ms after the last was answered (one per ${((r.seconds * 1000) / Math.max(r.changes, 1)).toFixed(0)} ms on average); slowest answer ${r.slowestChangeMs.toFixed(0)} ms`,
        `sha256 identical: upstream ${r.upstreamIntact}, downstream ${r.downstreamIntact}`,
      ],
    };
  },
  connections(r: ConnectionsResult): Verdict {
    const half = Math.max(...r.rssAt.slice(0, 5));
    const last = r.rssAt.at(-1) ?? 0;
    const rssLevel = last <= half * (1 + RSS_GROWTH);
    return {
      holds: r.fdsAfter <= r.fdsBefore && rssLevel,
      lines: [
        `${r.connections} short connections, ${r.perSecond}/s`,
        `open descriptors: ${r.fdsBefore} before, ${r.fdsAfter} after`,
        `RSS: ${mb(r.rssBefore)} before; after each tenth: ${r.rssAt.map(mb).join(', ')}`,
        `RSS after all ${last <= half * (1 + RSS_GROWTH) ? 'within' : 'NOT within'} ${RSS_GROWTH * 100}% of the first half's highest (${mb(half)})`,
      ],
    };
  },
  misbehaving(r: MisbehavingResult): Verdict {
    return {
      holds: r.slowestApiMs < API_BOUND_MS,
      lines: [
        `${r.seconds} s of upstreams that refuse, reset, reset mid-stream, stop reading and half-close; ${r.clientConnections} client connections`,
        `${r.apiCalls} API calls meanwhile, slowest ${r.slowestApiMs.toFixed(0)} ms (bound ${API_BOUND_MS} ms)`,
      ],
    };
  },
  slowClients(r: SlowClientsResult): Verdict {
    return {
      holds: r.slowestNormalMs < API_BOUND_MS,
      lines: [
        `${r.slowClients} clients sending a header byte a second for ${r.seconds} s (${r.stillOpen} still open at the end)`,
        `${r.normalCalls} normal API calls meanwhile, slowest ${r.slowestNormalMs.toFixed(0)} ms (bound ${API_BOUND_MS} ms)`,
      ],
    };
  },
};

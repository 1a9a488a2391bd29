import { z } from './zod.js';
import { defineToxic } from './toxic-definition.js';

/** setTimeout's ceiling: a longer wait would fire at once, so it cannot be honoured. */
export const MAX_MS = 2_147_483_647;

function whole(unit: string, max: number, description: string) {
  const rule = `expected a whole number of ${unit} from 0 to ${max}`;
  return z.int({ error: rule }).min(0, { error: rule }).max(max, { error: rule }).default(0).describe(description);
}
const ms = (description: string) => whole('milliseconds', MAX_MS, `${description} (ms)`);
const bytes = (description: string) => whole('bytes', Number.MAX_SAFE_INTEGER, `${description} (bytes)`);

/**
 * Toxiproxy's toxics: they act on the bytes of one direction of every connection, whatever the
 * protocol. Every attribute is a whole number defaulting to 0 and present in every response,
 * as in Toxiproxy.
 */
export const byteToxics = {
  noop: defineToxic({
    level: 'stream',
    attributes: z.object({}),
    required: [],
    explain: () => 'passes data unchanged',
  }),
  latency: defineToxic({
    level: 'stream',
    attributes: z.object({
      latency: ms('delay added to each chunk'),
      jitter: ms('uniform random variation of the delay, plus or minus'),
    }),
    required: ['latency'],
    explain: (a) => `delays each chunk by ${a.latency} ms${a.jitter > 0 ? ` ± ${a.jitter} ms` : ''}`,
  }),
  bandwidth: defineToxic({
    level: 'stream',
    attributes: z.object({
      rate: whole('KB/s', Number.MAX_SAFE_INTEGER, 'rate limit in KB/s (1 KB = 1000 bytes); 0 stalls the direction (KB/s)'),
    }),
    required: ['rate'],
    explain: (a) => (a.rate > 0 ? `limits the rate to ${a.rate} KB/s` : 'stalls all data (rate 0)'),
  }),
  slow_close: defineToxic({
    level: 'stream',
    attributes: z.object({ delay: ms('delay before the close is passed on') }),
    required: ['delay'],
    explain: (a) => `delays the close by ${a.delay} ms`,
  }),
  timeout: defineToxic({
    level: 'stream',
    attributes: z.object({ timeout: ms('idle time after which the connection is closed; 0 holds it open forever') }),
    required: ['timeout'],
    explain: (a) =>
      a.timeout > 0
        ? `drops all data and closes the connection after ${a.timeout} ms without data`
        : 'drops all data and holds the connection open',
  }),
  reset_peer: defineToxic({
    level: 'stream',
    attributes: z.object({ timeout: ms('time after the first data before the connection is reset') }),
    required: [],
    explain: (a) => `resets the connection (TCP RST) ${a.timeout} ms after the first data`,
  }),
  slicer: defineToxic({
    level: 'stream',
    attributes: z.object({
      average_size: bytes('average size of a slice'),
      size_variation: bytes('random variation of the slice size, plus or minus'),
      delay: whole('microseconds', MAX_MS, 'pause between slices (µs)'),
    }),
    required: ['average_size'],
    explain: (a) => `slices data into pieces of ${a.average_size} ± ${a.size_variation} bytes, ${a.delay} µs apart`,
  }),
  limit_data: defineToxic({
    level: 'stream',
    attributes: z.object({ bytes: bytes('bytes let through before the connection is closed') }),
    required: ['bytes'],
    explain: (a) => `closes the connection after ${a.bytes} bytes`,
  }),
};

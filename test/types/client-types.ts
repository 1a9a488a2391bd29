/**
 * Compile-time checks of the client's types: `npm test` builds this file, and every
 * `@ts-expect-error` below must meet an error, or the build fails.
 */
import type { ProxyHandle, ToxicHandle } from '../../src/index.js';

export async function typeChecks(proxy: ProxyHandle): Promise<void> {
  await proxy.addToxic({ type: 'latency', attributes: { latency: 100 } });
  await proxy.addToxic({ type: 'latency', attributes: { latency: 100, jitter: 10 }, stream: 'upstream', toxicity: 0.5 });
  await proxy.addToxic({ type: 'noop' });
  await proxy.addToxic({ type: 'reset_peer' });

  // @ts-expect-error a misspelled attribute
  await proxy.addToxic({ type: 'latency', attributes: { latancy: 100 } });
  // @ts-expect-error bandwidth without its rate
  await proxy.addToxic({ type: 'bandwidth', attributes: {} });
  // @ts-expect-error bandwidth without attributes at all
  await proxy.addToxic({ type: 'bandwidth' });
  // @ts-expect-error an attribute of another toxic
  await proxy.addToxic({ type: 'timeout', attributes: { timeout: 5, rate: 1 } });
  // @ts-expect-error a string where a number belongs
  await proxy.addToxic({ type: 'slicer', attributes: { average_size: '64' } });
  // @ts-expect-error not a toxic type ("down" is not one, whatever some clients say)
  await proxy.addToxic({ type: 'down' });
  // @ts-expect-error stream is upstream or downstream
  await proxy.addToxic({ type: 'noop', stream: 'sideways' });

  // Request-level toxics: attributes of any JSON type, with the shared matching attributes.
  await proxy.addToxic({ type: 'error', attributes: { status: 503, nth: [2, 3], path: '/ratings', headers: { 'x-test': '42' } } });
  await proxy.addToxic({ type: 'delay', attributes: { ms: 200, where: 'response', method: ['GET', 'HEAD'], probability: 0.5 } });
  await proxy.addToxic({ type: 'hang' });
  await proxy.addToxic({ type: 'abort', attributes: { reset: true } });
  // @ts-expect-error nth is a list
  await proxy.addToxic({ type: 'error', attributes: { nth: 2 } });
  // @ts-expect-error a status is a number
  await proxy.addToxic({ type: 'error', attributes: { status: '503' } });
  // @ts-expect-error where is request or response
  await proxy.addToxic({ type: 'delay', attributes: { ms: 5, where: 'middle' } });
  // @ts-expect-error delay without its ms
  await proxy.addToxic({ type: 'delay', attributes: { where: 'request' } });
  const faults = await proxy.faults({ toxic: 'error_downstream' });
  const firstRequest: number | undefined = faults[0]?.request;
  void firstRequest;

  const toxic: ToxicHandle<'bandwidth'> = await proxy.addToxic({ type: 'bandwidth', attributes: { rate: 10 } });
  const rate: number = toxic.attributes.rate;
  await toxic.update({ attributes: { rate: rate * 2 } });
  // @ts-expect-error updates are typed by the toxic's type too
  await toxic.update({ attributes: { latency: 5 } });
}

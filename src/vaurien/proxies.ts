import { parseMix } from '../api/behaviors.js';
import type { ProxyConfig } from '../api/config.js';
import type { Protocol } from '../api/protocols.js';
import type { ToxicSpec } from '../api/toxic.js';
import { UserError } from '../cli/user-error.js';
import type { VaurienProtocol, VaurienProxy } from './settings.js';

/** Vaurien's protocol names as faultline's: `memcache` is `memcached`; smtp is not framed. */
const PROTOCOL: Record<VaurienProtocol, Protocol> = {
  tcp: 'tcp',
  http: 'http',
  redis: 'redis',
  memcache: 'memcached',
  mysql: 'mysql',
  smtp: 'tcp',
};

export function faultlineProtocol(p: VaurienProtocol): Protocol {
  return PROTOCOL[p];
}

/** The name of the toxic that holds a proxy's mix. */
export const MIX_TOXIC = 'vaurien';

/**
 * On a tcp proxy there are no requests to draw for, so each share becomes a byte-level toxic
 * whose toxicity is its percent: rolled once per connection, which for Vaurien's tcp handler
 * (one request per connection unless keep_alive) is the same grain. Rolls are independent, so
 * shares can overlap (20:delay,10:blackout: 2% of connections get both).
 */
function byteLevel(p: VaurienProxy, warnings: string[]): ToxicSpec[] {
  const sleepMs = Math.round(Number(p.options.delay_sleep ?? 1) * 1000);
  const before = p.options.delay_before ?? true;
  const toxics: ToxicSpec[] = [];
  for (const { percent, name } of parseMix(p.behavior)) {
    const toxicity = percent / 100;
    if (percent === 0 || name === 'dummy') continue;
    const base = { name: `vaurien_${name}`, toxicity };
    switch (name) {
      case 'delay':
        toxics.push({ ...base, type: 'latency', stream: before === true ? 'upstream' : 'downstream', attributes: { latency: sleepMs } });
        break;
      case 'hang':
        toxics.push({ ...base, type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
        break;
      case 'blackout':
        toxics.push({ ...base, type: 'timeout', stream: 'upstream', attributes: { timeout: 1 } });
        break;
      case 'abort':
        toxics.push({ ...base, type: 'limit_data', stream: 'downstream', attributes: { bytes: 0 } });
        break;
      case 'error':
        warnings.push(
          `${p.origin}: error on a ${p.protocol} proxy: faultline sends no random bytes; ${percent}% of connections are reset (TCP RST) when the response starts instead. Use --protocol http, redis, memcache or mysql for errors in the protocol's own format`,
        );
        toxics.push({ ...base, type: 'reset_peer', stream: 'downstream', attributes: { timeout: 0 } });
        break;
      default:
        throw new UserError(
          `${p.origin}: behavior ${name} counts requests and needs a framed protocol (http, redis, memcache, mysql); a ${p.protocol} proxy has only connections`,
        );
    }
  }
  return toxics;
}

/** One Vaurien proxy as a faultline proxy with its toxics, in the config file's shape. */
export function proxyConfig(p: VaurienProxy, warnings: string[]): ProxyConfig {
  const protocol = faultlineProtocol(p.protocol);
  if (p.protocol === 'smtp') warnings.push(`${p.origin}: smtp is forwarded as tcp; faultline does not frame SMTP`);
  const toxics: ToxicSpec[] =
    protocol === 'tcp'
      ? byteLevel(p, warnings)
      : [{ type: 'mix', name: MIX_TOXIC, stream: 'downstream', attributes: { behaviors: p.behavior, ...p.options } } as ToxicSpec];
  return { name: p.name, listen: p.proxy, upstream: p.backend, protocol, toxics };
}

import { behaviorToxic, isBehaviorName, parseMix, type BehaviorSettings } from '../../api/behaviors.js';
import type { RequestMatch } from '../../api/request-match.js';
import { defaultAttributes, type ToxicAttributes, type ToxicType } from '../../api/toxic-types.js';
import { countSelects } from '../match.js';
import type { RequestToxicImpl } from '../message.js';
import { abort } from './abort.js';
import { delay } from './delay.js';
import { error } from './error.js';
import { hang } from './hang.js';
import { pluginRequestImpl } from './plugins.js';

const IMPLS = { delay, error, hang, abort } as const;

/** One behaviour of the mix, compiled: the built-in toxic that does it and its call count. */
interface Slot {
  impl: RequestToxicImpl<any> | null;
  attributes: Record<string, unknown>;
  calls: number;
}

/** A mix compiled once per toxic (and again after an update): 100 slots, as Vaurien draws. */
interface Compiled {
  table: (Slot | null)[];
}

function compile(a: ToxicAttributes<'mix'>): Compiled {
  const answer: Record<string, unknown> = {};
  for (const key of ['status', 'body', 'message', 'sqlstate', 'severity', 'code', 'miss'] as const) {
    if (a[key] !== undefined) answer[key] = a[key];
  }
  const settings: BehaviorSettings = { ...a, answer };
  const table: (Slot | null)[] = [];
  for (const share of parseMix(a.behaviors)) {
    let slot: Slot | null;
    if (isBehaviorName(share.name)) {
      const toxic = behaviorToxic(share.name, settings);
      slot = toxic === null ? null : { impl: IMPLS[toxic.type], attributes: toxic.attributes, calls: 0 };
    } else {
      // A request-level plugin named in the mix acts with its own defaults.
      const impl = pluginRequestImpl(share.name);
      slot = impl === undefined ? null : { impl, attributes: defaultAttributes(share.name as ToxicType), calls: 0 };
    }
    for (let i = 0; i < share.percent; i++) table.push(slot);
  }
  while (table.length < 100) table.push(null);
  return { table };
}

/**
 * Vaurien's RandomProxy, per request: one draw from the toxic's seeded stream picks a behaviour
 * by its share (the remainder passes), and that behaviour acts through the built-in toxic it maps
 * onto, so a mixed `delay` or `error` gives exactly the verdict the single toxic would.
 */
export const mix: RequestToxicImpl<ToxicAttributes<'mix'>> = {
  act: (a, request, ctx) => {
    const compiled = (ctx.shared.mix ??= compile(a)) as Compiled;
    const slot = compiled.table[Math.floor(ctx.random() * 100)];
    if (slot === null || slot === undefined || slot.impl === null) return null;
    // warmup and agitate count the calls of this behaviour, as Vaurien's counters did.
    if (!countSelects(slot.attributes as RequestMatch, ++slot.calls)) return null;
    return slot.impl.act(slot.attributes, request, ctx);
  },
};

/**
 * Vaurien's behaviours (mozilla-services/vaurien, `vaurien/behaviors/*.py`): their names, their
 * options with Vaurien's types and defaults, and its mix syntax `"20:delay,10:error"`. The `mix`
 * toxic and `faultline vaurien` are built on this table; what each behaviour does to a request
 * is in src/protocols/faults/mix.ts. Pure data and parsing, so the client and CLI can use it.
 */

export type BehaviorOptionType = 'float' | 'int' | 'bool';

export interface BehaviorOption {
  readonly type: BehaviorOptionType;
  readonly default: number | boolean;
  readonly description: string;
}

export interface BehaviorInfo {
  readonly description: string;
  readonly options: Readonly<Record<string, BehaviorOption>>;
}

const errorOptions = {
  inject: {
    type: 'bool',
    default: false,
    description: "Vaurien spliced random bytes into valid data; faultline always answers in the protocol's own error format, so this is accepted and has no effect",
  },
  warmup: { type: 'int', default: 0, description: 'number of calls that pass before errors start' },
} as const satisfies Record<string, BehaviorOption>;

/** Every behaviour Vaurien registers, with its options exactly as Vaurien declares them. */
export const BEHAVIORS = {
  dummy: { description: 'passes the request untouched', options: {} },
  delay: {
    description: 'holds the request before forwarding it (before) or its response before delivering it',
    options: {
      sleep: { type: 'float', default: 1, description: 'delay in seconds' },
      before: { type: 'bool', default: true, description: 'delay before the backend is called; false: after, on the response' },
    },
  },
  error: { description: "answers with an error in the protocol's own format instead of forwarding", options: errorOptions },
  hang: { description: 'swallows the request and never answers; the connection stays open', options: {} },
  blackout: { description: 'closes the client connection at once; nothing is forwarded', options: {} },
  abort: { description: 'forwards the request, then closes the connection before the response', options: {} },
  transient: {
    description: 'the first `agitate` calls behave like error, then every call passes',
    options: { agitate: { type: 'int', default: 1, description: 'number of calls that fail before it recovers' }, ...errorOptions },
  },
} as const satisfies Record<string, BehaviorInfo>;

export type BehaviorName = keyof typeof BEHAVIORS;

/** Sorted, as Vaurien's `GET /behaviors` lists them. */
export const BEHAVIOR_NAMES = (Object.keys(BEHAVIORS) as BehaviorName[]).sort();

export function isBehaviorName(name: unknown): name is BehaviorName {
  return typeof name === 'string' && Object.hasOwn(BEHAVIORS, name);
}

/**
 * Request-level plugin toxics, which a mix may name like a behaviour (Vaurien's `callable`
 * behaviours); filled by the toxic registry when a plugin is registered.
 */
const pluginBehaviors = new Set<string>();

export function addPluginBehavior(name: string): void {
  pluginBehaviors.add(name);
}

/** Every name a mix accepts, sorted: Vaurien's behaviours and request-level plugins. */
export function mixNames(extra: readonly string[] = []): string[] {
  return [...new Set([...BEHAVIOR_NAMES, ...pluginBehaviors, ...extra])].sort();
}

/** One `percent:name` share of a mix: a Vaurien behaviour, or a request-level plugin toxic. */
export interface MixShare {
  readonly percent: number;
  readonly name: string;
}

/** A mix that cannot be used; the message says why and, for a name, lists the valid ones. */
export class MixError extends Error {
  override name = 'MixError';
}

/**
 * Parses Vaurien's `--behavior` value: comma-separated `percent:name`, whole percents, a total of
 * at most 100; whatever is left over passes untouched (`dummy`). A bare name means `100:name`
 * (Vaurien's `PUT /behavior` sets one behaviour for all traffic).
 */
export function parseMix(text: string, extra: readonly string[] = []): MixShare[] {
  const shares: MixShare[] = [];
  let total = 0;
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') throw new MixError(`empty share in ${JSON.stringify(text)}; expected percent:name, e.g. 20:delay,10:error`);
    const colon = part.indexOf(':');
    const percentText = colon < 0 ? '100' : part.slice(0, colon).trim();
    const name = (colon < 0 ? part : part.slice(colon + 1)).trim();
    if (!/^\d{1,3}$/.test(percentText)) {
      throw new MixError(`invalid weight ${JSON.stringify(percentText)} in ${JSON.stringify(part)}: expected a whole percent from 0 to 100`);
    }
    if (!isBehaviorName(name) && !pluginBehaviors.has(name) && !extra.includes(name)) {
      throw new MixError(`unknown behavior ${JSON.stringify(name)}; valid behaviors: ${mixNames(extra).join(', ')}`);
    }
    const percent = Number(percentText);
    total += percent;
    shares.push({ percent, name });
  }
  if (total > 100) throw new MixError(`the behavior total needs to be 100 or less; ${JSON.stringify(text)} adds up to ${total}`);
  return shares;
}

/** `20:delay,10:error`, the canonical spelling of a mix. */
export function formatMix(shares: readonly MixShare[]): string {
  return shares.map((s) => `${s.percent}:${s.name}`).join(',');
}

/** The mix attribute that holds a behaviour's option: `delay_sleep`, `transient_agitate`. */
export function optionAttribute(behavior: BehaviorName, option: string): string {
  return `${behavior}_${option}`;
}

/** Every behaviour option as a mix attribute, with its behaviour, option name and declaration. */
export const BEHAVIOR_OPTION_ATTRIBUTES: readonly { attribute: string; behavior: BehaviorName; option: string; spec: BehaviorOption }[] =
  (Object.entries(BEHAVIORS) as [BehaviorName, BehaviorInfo][]).flatMap(([behavior, info]) =>
    Object.entries(info.options).map(([option, spec]) => ({ attribute: optionAttribute(behavior, option), behavior, option, spec })),
  );

/** A behaviour's options as the mix toxic holds them (seconds, counts, flags). */
export interface BehaviorSettings {
  delay_sleep: number;
  delay_before: boolean;
  error_inject: boolean;
  error_warmup: number;
  transient_agitate: number;
  transient_inject: boolean;
  transient_warmup: number;
  /** The error answer's fields, in each protocol's own format (see the `error` toxic). */
  answer: Record<string, unknown>;
}

/** A behaviour as one of faultline's built-in request-level toxics: its type and attributes. */
export interface BehaviorToxic {
  type: 'delay' | 'error' | 'hang' | 'abort';
  attributes: Record<string, unknown>;
}

/**
 * Each Vaurien behaviour as the built-in request-level toxic that does the same, or null for
 * `dummy`. Vaurien's call counters become counts: `warmup` passes the first N (`after`),
 * `transient` fails the first `agitate` (`first`) and then recovers.
 */
export function behaviorToxic(name: BehaviorName, s: BehaviorSettings): BehaviorToxic | null {
  switch (name) {
    case 'dummy':
      return null;
    case 'delay':
      return { type: 'delay', attributes: { ms: Math.round(s.delay_sleep * 1000), jitter: 0, where: s.delay_before ? 'request' : 'response' } };
    case 'error':
      return { type: 'error', attributes: { ...s.answer, ...(s.error_warmup > 0 ? { after: s.error_warmup } : {}) } };
    case 'hang':
      return { type: 'hang', attributes: {} };
    case 'blackout':
      return { type: 'abort', attributes: { reset: false, where: 'request' } };
    case 'abort':
      return { type: 'abort', attributes: { reset: false, where: 'response' } };
    case 'transient':
      return {
        type: 'error',
        attributes: { ...s.answer, first: s.transient_agitate + s.transient_warmup, ...(s.transient_warmup > 0 ? { after: s.transient_warmup } : {}) },
      };
  }
}

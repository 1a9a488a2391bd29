import { basename, dirname, extname, resolve } from 'node:path';
import { BEHAVIOR_OPTION_ATTRIBUTES, MixError, parseMix, type BehaviorOption } from '../api/behaviors.js';
import { toxicAttributeSchemas } from '../api/toxic-types.js';
import { UserError } from '../cli/user-error.js';
import type { IniFile, IniValue } from './ini.js';

/** Vaurien's `--protocol` choices. */
export const VAURIEN_PROTOCOLS = ['tcp', 'http', 'redis', 'memcache', 'mysql', 'smtp'] as const;
export type VaurienProtocol = (typeof VAURIEN_PROTOCOLS)[number];

/** One proxy as `faultline vaurien` will run it, settled from defaults, ini and command line. */
export interface VaurienProxy {
  /** The faultline proxy's name: `vaurien` for the main one. */
  name: string;
  proxy: string;
  backend: string;
  protocol: VaurienProtocol;
  /** The mix, canonical: `20:delay,10:error`. */
  behavior: string;
  /** Behaviour options as the mix toxic's attributes: `delay_sleep`, `error_warmup`. */
  options: Record<string, number | boolean>;
  /** Vaurien's control API for this proxy, when `--http` (or `http = true` in its section). */
  http: { host: string; port: number } | null;
  /** Where it was declared, for messages: `command line`, `vaurien.ini:vaurien:web`. */
  origin: string;
}

/** A `callable = path` in a `[behavior:NAME]` section: a plugin module to load. */
export interface CallableBehavior {
  name: string;
  path: string;
  where: string;
}

export interface VaurienSettings {
  proxies: VaurienProxy[];
  callables: CallableBehavior[];
  /** Settings accepted for compatibility that faultline does not use, one line each. */
  warnings: string[];
}

type SettingType = 'string' | 'int' | 'bool';

interface Setting {
  type: SettingType;
  default: string | number | boolean;
  /** Why faultline accepts it without using it; absent when honoured. */
  ignored?: string;
}

/** `[vaurien]` keys and the matching flags (`stay_connected` is `--stay-connected`), Vaurien's defaults. */
export const VAURIEN_SETTINGS: Readonly<Record<string, Setting>> = {
  proxy: { type: 'string', default: 'localhost:8000' },
  backend: { type: 'string', default: 'localhost:80' },
  protocol: { type: 'string', default: 'tcp' },
  behavior: { type: 'string', default: '100:dummy' },
  timeout: { type: 'int', default: 30, ignored: 'faultline sets no socket timeout of its own; use a timeout toxic' },
  stay_connected: { type: 'bool', default: false, ignored: 'faultline keeps every connection until a peer closes it, so it always stays connected' },
  pool_max_size: { type: 'int', default: 100, ignored: 'faultline opens one backend connection per client connection; there is no pool' },
  pool_timeout: { type: 'int', default: 30, ignored: 'there is no backend pool' },
  sync: { type: 'bool', default: false, ignored: "gevent's blocking mode has no counterpart on Node's event loop" },
  backlog: { type: 'int', default: 8192, ignored: "Node's listen backlog (511) is used" },
  bufsize: { type: 'int', default: 8192, ignored: 'unused in Vaurien too' },
};

/** Keys faultline adds in ini sections, so one file can declare several proxies with their own control API. */
const SECTION_EXTRAS: Readonly<Record<string, SettingType>> = { name: 'string', http: 'bool', http_host: 'string', http_port: 'int' };

const TRUE = new Set(['y', 'yes', '1', 'on', 'true']);
const FALSE = new Set(['n', 'no', '0', 'off', 'false']);

function convert(type: SettingType | BehaviorOption['type'], value: string | boolean, where: string): string | number | boolean {
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    const lower = value.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    throw new UserError(`${where}: expected true or false (or yes/no, on/off, 1/0), got ${JSON.stringify(value)}`);
  }
  const text = String(value);
  if (type === 'int') {
    if (!/^-?\d+$/.test(text.trim())) throw new UserError(`${where}: expected a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  }
  if (type === 'float') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new UserError(`${where}: expected a number, got ${JSON.stringify(text)}`);
    return n;
  }
  return text;
}

function checkMix(text: string, where: string, extra: readonly string[]): string {
  try {
    return parseMix(text, extra)
      .map((s) => `${s.percent}:${s.name}`)
      .join(',');
  } catch (err) {
    if (err instanceof MixError) throw new UserError(`${where}: ${err.message}`);
    throw err;
  }
}

/** A behaviour option, given as `--behavior-delay-sleep` or `[behavior:delay] sleep`, as a mix attribute. */
export function behaviorOption(behavior: string, option: string, value: string | boolean, where: string, extra: readonly string[]): [string, number | boolean] {
  const found = BEHAVIOR_OPTION_ATTRIBUTES.find((o) => o.behavior === behavior && o.option === option);
  if (found === undefined) {
    const own = BEHAVIOR_OPTION_ATTRIBUTES.filter((o) => o.behavior === behavior).map((o) => o.option);
    const known = BEHAVIOR_OPTION_ATTRIBUTES.some((o) => o.behavior === behavior) || ['dummy', 'hang', 'blackout', 'abort'].includes(behavior) || extra.includes(behavior);
    if (!known) throw new UserError(`${where}: unknown behavior ${JSON.stringify(behavior)}; valid behaviors: ${[...new Set(['abort', 'blackout', 'delay', 'dummy', 'error', 'hang', 'transient', ...extra])].sort().join(', ')}`);
    throw new UserError(`${where}: behavior ${behavior} has no option ${JSON.stringify(option)}${own.length === 0 ? '; it takes none' : `; its options: ${own.join(', ')}`}`);
  }
  const converted = convert(found.spec.type, value, where) as number | boolean;
  const schema = (toxicAttributeSchemas.mix.shape as Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }>)[found.attribute];
  const result = schema?.safeParse(converted);
  if (result !== undefined && !result.success) throw new UserError(`${where}: ${result.error?.issues[0]?.message ?? 'invalid'}`);
  return [found.attribute, converted];
}

/** What the command line gave, as commander and the `--behavior-*` scan read it. */
export interface CommandLine {
  values: Partial<Record<string, string | boolean>>;
  /** `--behavior-<name>-<option>` flags: [behavior, option, value, flag]. */
  behaviorOptions: [string, string, string | boolean, string][];
  http: { host: string; port: number } | null;
}

function mainProxy(): VaurienProxy {
  return {
    name: 'vaurien',
    proxy: VAURIEN_SETTINGS.proxy?.default as string,
    backend: VAURIEN_SETTINGS.backend?.default as string,
    protocol: 'tcp',
    behavior: '100:dummy',
    options: {},
    http: null,
    origin: 'command line',
  };
}

/** Applies one setting to a proxy; `where` names the flag or `file:section.key`. */
function apply(p: VaurienProxy, key: string, raw: string | boolean, where: string, warnings: string[], extra: readonly string[]): void {
  const setting = VAURIEN_SETTINGS[key];
  if (setting === undefined) {
    const valid = [...Object.keys(VAURIEN_SETTINGS), ...(where.startsWith('--') ? [] : Object.keys(SECTION_EXTRAS))];
    throw new UserError(`${where}: unknown setting; valid: ${valid.join(', ')}`);
  }
  const value = convert(setting.type, raw, where);
  if (setting.ignored !== undefined) {
    if (value !== setting.default) warnings.push(`${where} is accepted and ignored: ${setting.ignored}`);
    return;
  }
  switch (key) {
    case 'proxy':
    case 'backend':
      if (!/^.+:\d{1,5}$/.test(String(value))) throw new UserError(`${where}: expected host:port, got ${JSON.stringify(value)}`);
      p[key] = String(value);
      return;
    case 'protocol':
      if (!(VAURIEN_PROTOCOLS as readonly string[]).includes(String(value))) {
        throw new UserError(`${where}: unknown protocol ${JSON.stringify(value)}; valid protocols: ${VAURIEN_PROTOCOLS.join(', ')}`);
      }
      p.protocol = value as VaurienProtocol;
      return;
    case 'behavior':
      p.behavior = checkMix(String(value), where, extra);
      return;
  }
}

function applySection(p: VaurienProxy, keys: ReadonlyMap<string, IniValue>, warnings: string[], extra: readonly string[]): void {
  let host: string | undefined;
  let port: number | undefined;
  let httpOn = false;
  for (const [key, { value, where }] of keys) {
    const own = SECTION_EXTRAS[key];
    if (own === undefined) {
      apply(p, key, value, where, warnings, extra);
      continue;
    }
    const v = convert(own, value, where);
    if (key === 'name') p.name = String(v);
    if (key === 'http') httpOn = v === true;
    if (key === 'http_host') host = String(v);
    if (key === 'http_port') {
      if (typeof v !== 'number' || v < 0 || v > 65535) throw new UserError(`${where}: expected a port from 0 to 65535`);
      port = v;
    }
  }
  if (httpOn || host !== undefined || port !== undefined) p.http = { host: host ?? 'localhost', port: port ?? 8080 };
}

/** `[behavior:NAME]` sections of a file: options for the mix, and `callable` plugins. */
function behaviorSections(ini: IniFile, callables: CallableBehavior[], extra: readonly string[], warnings: string[]): Record<string, number | boolean> {
  const options: Record<string, number | boolean> = {};
  for (const [section, keys] of ini.sections) {
    if (!section.startsWith('behavior:')) continue;
    const name = section.slice('behavior:'.length);
    for (const [key, { value, where }] of keys) {
      if (key !== 'callable') continue;
      const path = String(value);
      if (!/\.(m?js|cjs|m?ts|cts)$/.test(path)) {
        throw new UserError(`${where}: ${JSON.stringify(path)} looks like a Python class; faultline loads a JavaScript or TypeScript module: callable = ./${name}.js (see docs/plugins.md)`);
      }
      callables.push({ name, path: resolve(dirname(ini.file), path), where });
    }
    const pluginNames = [...extra, ...callables.map((c) => c.name)];
    if (callables.some((c) => c.name === name)) {
      const others = [...keys.keys()].filter((k) => k !== 'callable');
      if (others.length > 0) warnings.push(`${ini.file}:${section}: ${others.join(', ')} ignored: a plugin behaviour in a mix acts with its own defaults; give options by adding it as a toxic of its own (docs/vaurien.md)`);
      continue;
    }
    for (const [key, { value, where }] of keys) {
      const [attribute, v] = behaviorOption(name, key, value, where, pluginNames);
      options[attribute] = v;
    }
  }
  return options;
}

/**
 * Settles every proxy: Vaurien's defaults, then the ini files, then the command line, which
 * wins (Vaurien let the file win over flags; see docs/vaurien.md). The command line and the
 * first file's `[vaurien]` are the main proxy; every other file's `[vaurien]` and every
 * `[vaurien:NAME]` section is one more proxy, with its own keys only.
 */
export function settle(cli: CommandLine, files: readonly IniFile[], extra: readonly string[] = []): VaurienSettings {
  const warnings: string[] = [];
  const callables: CallableBehavior[] = [];
  const proxies: VaurienProxy[] = [];
  const main = mainProxy();
  proxies.push(main);
  files.forEach((ini, i) => {
    const options = behaviorSections(ini, callables, extra, warnings);
    const names = [...extra, ...callables.map((c) => c.name)];
    for (const [section, keys] of ini.sections) {
      if (section === 'vaurien') {
        const p = i === 0 ? main : { ...mainProxy(), name: basename(ini.file, extname(ini.file)) };
        p.origin = `${ini.file}:vaurien`;
        applySection(p, keys, warnings, names);
        p.options = { ...p.options, ...options };
        if (i > 0) proxies.push(p);
      } else if (section.startsWith('vaurien:')) {
        const p = { ...mainProxy(), name: section.slice('vaurien:'.length), origin: `${ini.file}:${section}` };
        applySection(p, keys, warnings, names);
        p.options = { ...options };
        proxies.push(p);
      } else if (section.startsWith('protocol:') || section === 'statsd') {
        if (keys.size > 0) warnings.push(`${ini.file}:${section} is accepted and ignored: ${section === 'statsd' ? 'faultline exports Prometheus metrics at /metrics instead' : 'faultline frames each protocol itself (see docs/vaurien.md)'}`);
      } else if (!section.startsWith('behavior:')) {
        throw new UserError(`${ini.file}:${section}: unknown section; expected [vaurien], [vaurien:NAME], [behavior:NAME], [protocol:NAME] or [statsd]`);
      }
    }
  });
  const names = [...extra, ...callables.map((c) => c.name)];
  for (const [key, value] of Object.entries(cli.values)) {
    if (value !== undefined) apply(main, key, value, `--${key.replace(/_/g, '-')}`, warnings, names);
  }
  for (const [behavior, option, value, flag] of cli.behaviorOptions) {
    const [attribute, v] = behaviorOption(behavior, option, value, flag, names);
    main.options[attribute] = v;
  }
  if (cli.http !== null) main.http = cli.http;
  const seen = new Map<string, string>();
  for (const p of proxies) {
    const other = seen.get(p.name);
    if (other !== undefined) throw new UserError(`${p.origin}: proxy name ${JSON.stringify(p.name)} is taken by ${other}; give this one name = …`);
    seen.set(p.name, p.origin);
  }
  return { proxies, callables, warnings };
}

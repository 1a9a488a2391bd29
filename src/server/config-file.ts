import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { configSchemas, type ConfigDocument } from '../api/config.js';
import { describeValue, formatPath, valueAt } from '../api/decode.js';
import { defaultToxicName } from '../api/toxic-name.js';
import { ConfigError, PluginError } from './errors.js';
import { loadPluginFiles } from './plugins.js';

export { ConfigError };

/** yaml's messages end with ` at line L, column C:` before a code frame; the place is given already. */
function yamlReason(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

/** Parses YAML (.yaml, .yml) or JSON (anything else) text into a plain value. */
function parse(file: string, text: string): unknown {
  if (text.trim() === '') return null;
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    const doc = parseDocument(text);
    const [error] = doc.errors;
    if (error !== undefined) {
      const at = error.linePos?.[0];
      throw new ConfigError(`invalid config ${file}${at === undefined ? '' : `:${at.line}:${at.col}`}: not valid YAML: ${yamlReason(error.message)}`);
    }
    return doc.toJS();
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid config ${file}: not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Validates a parsed config. Toxiproxy's format, a plain array of proxies, is accepted too; its
 * entries are then named `[2]` rather than `proxies[2]`.
 */
export function validateConfig(file: string, raw: unknown): ConfigDocument {
  // An empty YAML document is null; "expected object, received null" would not say that.
  if (raw === null || raw === undefined) throw new ConfigError(`invalid config ${file}: the file is empty; expected {"proxies": [...]} or a list of proxies`);
  const isArray = Array.isArray(raw);
  const input = isArray ? { proxies: raw } : raw;
  const result = configSchemas().config.safeParse(input);
  if (!result.success) {
    // A misspelt key usually explains the missing one next to it, so it is reported first.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    const path = issue?.path ?? [];
    const shown = isArray ? path.slice(1) : path;
    let message = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    const value = valueAt(input, path);
    const got = issue?.code === 'unrecognized_keys' || value === undefined ? '' : `, got ${describeValue(value)}`;
    const where = formatPath(shown) || (isArray ? 'the list' : 'the document');
    throw new ConfigError(`invalid config ${file}: ${where}: ${message}${got}`);
  }
  const names = new Set<string>();
  result.data.proxies.forEach((proxy, i) => {
    const where = isArray ? `[${i}]` : `proxies[${i}]`;
    if (names.has(proxy.name)) throw new ConfigError(`invalid config ${file}: ${where}.name: proxy ${JSON.stringify(proxy.name)} is declared twice`);
    names.add(proxy.name);
    const toxics = new Set<string>();
    (proxy.toxics ?? []).forEach((toxic, j) => {
      const name = toxic.name ?? defaultToxicName(toxic.type, toxic.stream);
      if (toxics.has(name)) throw new ConfigError(`invalid config ${file}: ${where}.toxics[${j}]: toxic ${JSON.stringify(name)} is declared twice on proxy ${JSON.stringify(proxy.name)}`);
      toxics.add(name);
    });
  });
  return result.data;
}

export async function readConfig(file: string): Promise<ConfigDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const raw = parse(file, text);
  await loadListedPlugins(file, raw);
  return validateConfig(file, raw);
}

/** `plugins:` are loaded before the proxies are validated, so their toxics can use the new types. */
async function loadListedPlugins(file: string, raw: unknown): Promise<void> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const list = (raw as { plugins?: unknown }).plugins;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) return;
  try {
    await loadPluginFiles(list, dirname(resolve(file)), (p) => `${file}: plugins[${list.indexOf(p)}] ${p}`);
  } catch (err) {
    if (err instanceof PluginError) throw new ConfigError(`invalid config ${err.message}`);
    throw err;
  }
}

/** Parses and validates a config's text; `file` names it in errors and picks YAML or JSON. */
export function parseConfig(file: string, text: string): ConfigDocument {
  return validateConfig(file, parse(file, text));
}

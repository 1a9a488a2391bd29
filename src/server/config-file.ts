import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { configSchema, type ConfigDocument } from '../api/config.js';
import { formatPath } from '../api/decode.js';

/** A config file that cannot be used; the message names the file, the place and the problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Parses YAML (.yaml, .yml) or JSON (anything else) text into a plain value. */
function parse(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') {
    const doc = parseDocument(text);
    const [error] = doc.errors;
    if (error !== undefined) {
      const at = error.linePos?.[0];
      throw new ConfigError(`invalid config ${file}${at === undefined ? '' : `:${at.line}:${at.col}`}: not valid YAML: ${error.message.split('\n')[0]}`);
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
  const isArray = Array.isArray(raw);
  const input = isArray ? { proxies: raw } : raw;
  const result = configSchema.safeParse(input);
  if (!result.success) {
    // A misspelt key usually explains the missing one next to it, so it is reported first.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    const path = issue?.path ?? [];
    const shown = isArray ? path.slice(1) : path;
    let message = issue?.message ?? 'invalid';
    if (issue?.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    const value = valueAt(input, path);
    const got = issue?.code === 'unrecognized_keys' || value === undefined ? '' : `, got ${describe(value)}`;
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
      const name = toxic.name ?? `${toxic.type}_${toxic.stream ?? 'downstream'}`;
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
  return validateConfig(file, parse(file, text));
}

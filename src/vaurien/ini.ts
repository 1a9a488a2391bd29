import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { UserError } from '../cli/user-error.js';

/** One ini value with the place it came from, for messages: `vaurien.ini:behavior:delay.sleep`. */
export interface IniValue {
  readonly value: string | boolean;
  readonly where: string;
}

/** An ini file: sections by name, keys lower-cased as Python's ConfigParser does. */
export interface IniFile {
  readonly file: string;
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, IniValue>>;
}

/**
 * Vaurien's value conversion (vaurien/config.py): `"quoted"` strings are unquoted and `${VAR}` is
 * expanded from the environment, an unset one being an error. Numbers and booleans are read
 * later, by the type of the setting they are for, so a bad one can be named.
 */
function expand(raw: string, where: string): string {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  return text.replace(/\$\{(\w[^}]*)\}/g, (_m, name: string) => {
    const value = process.env[name];
    if (value === undefined) throw new UserError(`${where}: environment variable ${name} is not set`);
    return value;
  });
}

/** Reads a Vaurien ini file with the `ini` package; any problem names the file. */
export function readIni(file: string): IniFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read --config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const parsed = parse(text) as Record<string, unknown>;
  const sections = new Map<string, Map<string, IniValue>>();
  for (const [name, body] of Object.entries(parsed)) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new UserError(`${file}: ${name}: a setting outside any section; put it under [vaurien]`);
    }
    const keys = new Map<string, IniValue>();
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const where = `${file}:${name}.${key.toLowerCase()}`;
      if (typeof value === 'object' && value !== null) throw new UserError(`${where}: expected a single value`);
      keys.set(key.toLowerCase(), { value: typeof value === 'boolean' ? value : expand(String(value), where), where });
    }
    sections.set(name, keys);
  }
  return { file, sections };
}

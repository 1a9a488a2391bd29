import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isBuiltInType, registerToxicType, TOXIC_TYPES, type ToxicDefinition } from '../api/toxic-types.js';
import { registerRequestImpl } from '../protocols/index.js';
import { registerToxicImpl } from '../toxics/index.js';
import type { FaultlinePlugin } from '../plugin.js';
import { PluginError } from './errors.js';

export { PluginError };

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const TS = new Set(['.ts', '.mts', '.cts']);

const isFunction = (v: unknown): v is (...args: never[]) => unknown => typeof v === 'function';

/** Checks one exported plugin against the contract; returns it typed, or throws naming `where`. */
function check(value: unknown, where: string): FaultlinePlugin {
  const fail = (why: string): never => {
    throw new PluginError(`${where}: ${why} (see docs/plugins.md)`);
  };
  if (value === null || typeof value !== 'object') fail('expected { name, definition, implementation }, e.g. export default definePlugin({...})');
  const p = value as Record<string, unknown>;
  if (typeof p.name !== 'string' || !NAME.test(p.name)) fail(`name: expected a toxic type name (lower case letters, digits and _, from a letter), got ${JSON.stringify(p.name)}`);
  const name = p.name as string;
  const def = p.definition as Record<string, unknown> | undefined;
  if (def === null || typeof def !== 'object') fail(`${name}: definition: expected defineToxic({ level, attributes, required, explain })`);
  const d = def as Record<string, unknown>;
  if (d.level !== 'request' && d.level !== 'stream') fail(`${name}: definition.level: expected "request" or "stream", got ${JSON.stringify(d.level)}`);
  const attributes = d.attributes as { shape?: unknown; safeParse?: unknown } | undefined;
  if (attributes === undefined || typeof attributes.shape !== 'object' || !isFunction(attributes.safeParse)) fail(`${name}: definition.attributes: expected a zod object schema, z.object({...})`);
  const shape = Object.keys((attributes as { shape: object }).shape);
  if (!Array.isArray(d.required) || d.required.some((r) => typeof r !== 'string' || !shape.includes(r))) {
    fail(`${name}: definition.required: expected a list of its attribute names (${shape.join(', ') || 'none'})`);
  }
  if (!isFunction(d.explain)) fail(`${name}: definition.explain: expected a function (attributes) => string`);
  const defaults = (attributes as { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; message: string }[] } } }).safeParse({});
  if (!defaults.success) {
    const issue = defaults.error?.issues[0];
    fail(`${name}: definition.attributes${issue === undefined ? '' : `.${issue.path.map(String).join('.')}`}: every attribute needs a default or must be optional, as a toxic created without attributes gets the defaults (${issue?.message ?? 'invalid'})`);
  }
  try {
    if (typeof (d.explain as (a: unknown) => unknown)(defaults.data) !== 'string') fail(`${name}: definition.explain: must return a string`);
  } catch (err) {
    if (err instanceof PluginError) throw err;
    fail(`${name}: definition.explain threw on the defaults: ${(err as Error).message}`);
  }
  const impl = p.implementation as Record<string, unknown> | undefined;
  if (impl === null || typeof impl !== 'object') fail(`${name}: implementation: expected an object`);
  if (d.level === 'request' && !isFunction((impl as Record<string, unknown>).act)) fail(`${name}: implementation.act: a request-level toxic needs act(attributes, request, ctx)`);
  if (d.level === 'stream' && !isFunction((impl as Record<string, unknown>).create)) fail(`${name}: implementation.create: a byte-level toxic needs create(attributes, ctx)`);
  return value as FaultlinePlugin;
}

/**
 * Registers plugins in every registry: the API's definitions (validation, help, schema) and
 * the data plane's implementations. The same plugin object again is a no-op.
 */
export function registerPlugins(plugins: readonly unknown[], where: string): string[] {
  const checked = plugins.map((p, i) => check(p, plugins.length > 1 ? `${where}[${i}]` : where));
  for (const plugin of checked) {
    if (isBuiltInType(plugin.name)) throw new PluginError(`${where}: ${plugin.name}: clashes with the built-in toxic type of that name; built-ins: ${TOXIC_TYPES.filter(isBuiltInType).join(', ')}`);
    try {
      registerToxicType(plugin.name, plugin.definition as unknown as ToxicDefinition);
    } catch (err) {
      throw new PluginError(`${where}: ${plugin.name}: ${(err as Error).message}`);
    }
    if (plugin.definition.level === 'request') registerRequestImpl(plugin.name, plugin.implementation as never);
    else registerToxicImpl(plugin.name, plugin.implementation as never);
  }
  return checked.map((p) => p.name);
}

/**
 * Node 20 cannot import TypeScript, so a .ts plugin is compiled with esbuild, when installed,
 * into a file beside it (its relative and package imports resolve as from the source), imported,
 * and removed.
 */
async function importTypeScript(file: string): Promise<unknown> {
  let esbuild: typeof import('esbuild');
  // A specifier in a variable, so bundling faultline (the single executable) leaves it alone.
  const optional = 'esbuild';
  try {
    esbuild = (await import(optional)) as typeof import('esbuild');
  } catch {
    throw new PluginError(`${file}: a TypeScript plugin needs esbuild to load (npm install --save-dev esbuild), or compile it to .js first`);
  }
  const out = join(dirname(file), `.${basename(file, extname(file))}.faultline-${process.pid}-${Date.now()}.mjs`);
  try {
    const result = await esbuild.build({ entryPoints: [file], bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'silent' });
    writeFileSync(out, result.outputFiles[0]?.text ?? '');
    return await import(pathToFileURL(out).href);
  } catch (err) {
    if (err instanceof PluginError) throw err;
    const first = (err as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors?.[0];
    if (first !== undefined) throw new PluginError(`${file}${first.location ? `:${first.location.line}:${first.location.column}` : ''}: ${first.text}`);
    throw err;
  } finally {
    if (existsSync(out)) unlinkSync(out);
  }
}

/** Loads plugin modules by path (relative to `base`); each may export one plugin or a list as default. */
export async function loadPluginFiles(paths: readonly string[], base = process.cwd(), label = (p: string) => p): Promise<string[]> {
  const names: string[] = [];
  for (const path of paths) {
    const file = resolve(base, path);
    const where = label(path) === path ? file : label(path);
    if (!existsSync(file)) throw new PluginError(`${where}: cannot load plugin: no such file${where === file ? '' : ` (${file})`}`);
    let mod: { default?: unknown };
    try {
      mod = (TS.has(extname(file)) ? await importTypeScript(file) : await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (err) {
      if (err instanceof PluginError) throw err;
      throw new PluginError(`${where}: cannot load plugin: ${(err as Error).message.split('\n')[0]}`);
    }
    if (mod.default === undefined) throw new PluginError(`${where}: no default export; expected export default definePlugin({...})`);
    names.push(...registerPlugins(Array.isArray(mod.default) ? mod.default : [mod.default], where));
  }
  return names;
}

/**
 * Replaces tsc's dist/src/api/zod.js (a re-export of the zod package) with the package bundled
 * into that one module (run by `npm run build` and `prepare` after tsc; see src/api/zod.ts).
 * Its types stay the package's (dist/src/api/zod.d.ts). Should this step not run, the re-export
 * works the same, only loading the package's modules one by one.
 */
import { build, type Plugin } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}dist/src/api/zod.js`;

/**
 * zod's `locales` namespace holds some sixty translations of its messages, half the bundle's
 * bytes, and every load of zod compiled them (about 15–25 ms of a server's first proxy) for the
 * one that is used: English, zod's default. English stays in the bundle; each other locale is
 * a function of the same name that loads the package's CommonJS locales on its first call, so
 * `z.config(z.locales.de())` in a plugin still works.
 */
const englishOnly: Plugin = {
  name: 'english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const lines = ["import { createRequire } from 'node:module';", 'let all;', "const load = () => (all ??= createRequire(import.meta.url)('zod/v4/locales'));"];
      const found = [...source.matchAll(/export \{ default as (\w+) \} from "(\.\/[\w-]+\.js)";/g)];
      for (const [, name, file] of found) {
        lines.push(name === 'en' ? `export { default as en } from "${file}";` : `export function ${name}(...args) { return load().${name}(...args); }`);
      }
      // Anything else in the file would be lost silently: refuse instead.
      if (found.length !== source.match(/^export /gm)?.length || !found.some(([, name]) => name === 'en')) {
        throw new Error(`zod's locales index has a shape this build does not know: ${args.path}`);
      }
      return { contents: lines.join('\n'), loader: 'js', resolveDir: args.path.replace(/[\\/][^\\/]*$/, '') };
    });
  },
};

const result = await build({
  stdin: { contents: "export * from 'zod';", resolveDir: root, sourcefile: 'zod-entry.js', loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: out,
  // Whitespace and syntax only, as the command's bundle: zod's names stay in a stack trace.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  plugins: [englishOnly],
  logLevel: 'warning',
});
// tsc's map describes the re-export, not this file.
rmSync(`${out}.map`, { force: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`zod: dist/src/api/zod.js, ${Object.keys(result.metafile.inputs).length} modules in one, ${Math.round(bytes / 1024)} KB\n`);

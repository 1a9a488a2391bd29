/**
 * Replaces tsc's dist/src/api/zod.js (a re-export of the zod package) with the package bundled
 * into that one module (run by `npm run build` and `prepare` after tsc; see src/api/zod.ts).
 * Its types stay the package's (dist/src/api/zod.d.ts). Should this step not run, the re-export
 * works the same, only loading the package's modules one by one.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}dist/src/api/zod.js`;

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
  logLevel: 'warning',
});
// tsc's map describes the re-export, not this file.
rmSync(`${out}.map`, { force: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`zod: dist/src/api/zod.js, ${Object.keys(result.metafile.inputs).length} modules in one, ${Math.round(bytes / 1024)} KB\n`);

// Bundles the dashboard (src/dashboard/) into dist/src/dashboard/public/, which the server serves
// from disk at /ui: one minified script, its stylesheet and page. No network at run time.
// Fails the build when the script outgrows its budget (100 KB gzipped).
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET_GZIP_BYTES = 100 * 1024;
const root = fileURLToPath(new URL('../../', import.meta.url));
const source = `${root}src/dashboard/`;
const out = `${root}dist/src/dashboard/public/`;

await mkdir(out, { recursive: true });
await build({
  entryPoints: [`${source}main.ts`],
  bundle: true,
  format: 'esm',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outfile: `${out}app.js`,
  logLevel: 'warning',
});
for (const file of ['index.html', 'app.css', 'favicon.svg']) await copyFile(source + file, out + file);

const js = await readFile(`${out}app.js`);
const gzipped = gzipSync(js, { level: 9 }).length;
process.stdout.write(`dashboard: app.js ${js.length} bytes, ${gzipped} gzipped (budget ${BUDGET_GZIP_BYTES})\n`);
if (gzipped > BUDGET_GZIP_BYTES) {
  process.stderr.write(`dashboard: app.js is ${gzipped} bytes gzipped, over the ${BUDGET_GZIP_BYTES}-byte budget\n`);
  process.exit(1);
}

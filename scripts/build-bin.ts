/**
 * Bundles the `faultline` command into dist/src/bin/ (run by `npm run build` and `prepare` after
 * tsc): the entry, faultline.js, holds the CLI; one chunk holds what nearly every run loads at
 * start (src/bin-core.ts); each part loaded with `import()` on first use (the data plane,
 * zod-built schemas, prom-client, experiments, the matrix…) is a chunk of its own. A few files
 * rather than Node resolving, reading and linking each of some 150 modules is most of what
 * bundling saves (docs/performance.md).
 *
 * The files sit side by side in one folder, as the modules' `import.meta.url` paths expect:
 * `../dashboard/public/` is dist/src/dashboard/public/, and `./waker-thread.js` is the latency
 * waker's thread, bundled apart. zod stays outside (below).
 */
import { build, type Plugin } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}dist/src/bin/`;

/**
 * The modules' zod (dist/src/api/zod.js, src/api/zod.ts) stays outside the bundle, imported from
 * beside it: `faultline/plugin` gives plugins that same module, so a plugin's schemas and the
 * server's are made by one zod.
 */
const sharedZod: Plugin = {
  name: 'shared-zod',
  setup(build) {
    build.onResolve({ filter: /\/zod\.js$/ }, (args) =>
      args.resolveDir.startsWith(`${root}dist/src`) ? { path: '../api/zod.js', external: true } : undefined,
    );
  },
};

/**
 * commander requires child_process when it loads, for subcommands run as executables of their
 * own, which faultline has none of; loading it (dgram and net with it) took 4 ms of every
 * command. commander gets an object that loads child_process when first used instead.
 */
const lazyChildProcess: Plugin = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  entryNames: '[name]',
  // Whitespace and syntax only: the names stay, so a bug's stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
} as const;
rmSync(out, { recursive: true, force: true });
// The waker's thread, apart: it must load nothing but itself (src/bin-core.ts is not for it).
await build({ ...common, entryPoints: { 'waker-thread': `${root}dist/src/toxics/waker-thread.js` } });
const result = await build({
  ...common,
  entryPoints: { faultline: `${root}dist/src/cli/main.js` },
  inject: [`${root}dist/src/bin-core.js`],
  splitting: true,
  chunkNames: '[name]-[hash]',
  plugins: [sharedZod, lazyChildProcess],
  // commander, prom-client and yaml are CommonJS inside: their require() of Node's modules
  // needs a require in an ES module. Node 20.16+ lends its built-ins without node:module (whose
  // loading took 1–2 ms of every run); older 20s get createRequire.
  banner: {
    js: "const require = globalThis.process.getBuiltinModule ?? (await import('node:module')).createRequire(import.meta.url);",
  },
});
// Node looks up each chunk's package scope; found in the chunk's own folder, it does not walk up
// the directories once per chunk, a walk that ran often enough at start-up for V8 to optimise
// it, paging in its optimising compiler: 4 MB of RSS (docs/performance.md).
writeFileSync(`${out}package.json`, `${JSON.stringify({ type: 'module' })}\n`);
const files = Object.keys(result.metafile.outputs).length;
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`bin: dist/src/bin/faultline.js and ${files - 1} chunks, ${Math.round(bytes / 1024)} KB, and waker-thread.js\n`);

/**
 * `npm run build:sea`: one executable that runs the faultline server and CLI on a machine
 * without Node (what teams using Toxiproxy's Go binary expect), with Node's single executable
 * application support: the CLI bundled into one CommonJS file (Node 20's SEA runs only
 * CommonJS and can require only built-in modules), turned into a blob, and injected with
 * postject into a copy of this node binary. Linux/macOS/Windows each need their own build.
 *
 * Limit: the latency waker's worker thread loads a file next to the module, which a single
 * executable does not have, so there the waker falls back to plain timers (about a millisecond
 * coarser); everything else is the same code.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the executable goes: build/sea, or the folder given as the first argument. */
const out = process.argv[2] ?? join(root, 'build', 'sea');
const exe = join(out, process.platform === 'win32' ? 'faultline.exe' : 'faultline');
// The fuse Node's binaries carry for SEA; postject flips it to say a blob is injected.
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const bundle = join(out, 'faultline.cjs');
await build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: bundle,
  logLevel: 'warning',
  // Only the waker uses import.meta.url (to find its thread's file); undefined there makes it
  // fall back to timers, as it does wherever the thread cannot start.
  define: { 'import.meta.url': 'undefined' },
});

const config = join(out, 'sea-config.json');
const blob = join(out, 'sea-prep.blob');
writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });

copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', exe]);
const postject = join(root, 'node_modules', 'postject', 'dist', 'cli.js');
const args = [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE];
if (process.platform === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
execFileSync(process.execPath, args, { stdio: 'inherit' });
if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', exe]);
console.log(`built ${exe}`);

// Lint: typescript-eslint's syntax-only rules (fast: no type information) and the layering of
// DESIGN.md, enforced here rather than remembered. Arrows point down only:
// cli → client → api; server → proxy, toxics, api.
import tseslint from 'typescript-eslint';

/** no-restricted-imports for one layer: `forbidden` are specifier globs, or a RegExp, it may not use. */
const layer = (files, forbidden, message, ignores = []) => ({
  files,
  ignores,
  rules: {
    'no-restricted-imports': ['error', { patterns: [forbidden instanceof RegExp ? { regex: forbidden.source, message } : { group: forbidden, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Tests read parsed JSON loosely on purpose; the source is strict through tsc anyway.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  layer(['src/api/**/*.ts'], ['../**'], 'api/ is the wire contract: it imports nothing else from the repo.'),
  layer(['src/client/**/*.ts'], /^\.\.\/(?!api\/)/, 'client/ imports only api/, so it runs in any JavaScript runtime.'),
  layer(
    // experiments/, matrix/ and dashboard/ do not exist yet; the rule is waiting for them.
    ['src/cli/**/*.ts', 'src/experiments/**/*.ts', 'src/matrix/**/*.ts', 'src/dashboard/**/*.ts'],
    ['**/server/**', '**/proxy/**', '**/toxics/**', '**/testing/**'],
    'cli/, experiments/, matrix/ and dashboard/ reach a server only through client/ (so they work against any Toxiproxy-compatible server, local or remote).',
    // The one command that runs a server rather than talking to one.
    ['src/cli/commands/server.ts'],
  ),
  layer(['src/cli/commands/server.ts'], ['**/proxy/**', '**/toxics/**', '**/testing/**'], 'the server command starts a server through server/index.ts only.'),
  layer(
    ['src/server/**/*.ts'],
    ['**/client/**', '**/cli/**', '**/testing/**'],
    'server/ applies state in process; it does not call itself through the client.',
    // The public entry composes a server with a client for it (RunningServer.client).
    ['src/server/index.ts'],
  ),
  layer(['src/proxy/**/*.ts', 'src/toxics/**/*.ts'], ['**/server/**', '**/client/**', '**/cli/**', '**/testing/**'], 'the data plane does not know the control plane.'),
);

/**
 * toxiproxy-server parses flags with Go's `flag` package: `-port 8474`, `-port=8474` and
 * `--port` all work, and bool flags take `=true`/`=false`. Scripts and images written for it
 * call `-host=0.0.0.0`, so those spellings are rewritten into the parser's `--host=0.0.0.0`.
 */
const VALUE_FLAGS = new Set(['host', 'port', 'config', 'seed']);
const BOOL_FLAGS = new Set(['proxy-metrics', 'runtime-metrics', 'version', 'help']);

function rewrite(arg: string): string | null {
  const m = /^--?([a-z-]+)(=(.*))?$/.exec(arg);
  if (m === null) return arg;
  const [, name = '', assignment, value] = m;
  if (VALUE_FLAGS.has(name)) return `--${name}${assignment ?? ''}`;
  if (BOOL_FLAGS.has(name)) {
    if (assignment === undefined || value === 'true' || value === '1') return `--${name}`;
    if (value === 'false' || value === '0') return null;
  }
  return arg;
}

/**
 * Rewrites Toxiproxy-style server arguments. Without a subcommand, arguments that start with a
 * flag mean `server`, so `faultline -host=0.0.0.0` runs like `toxiproxy-server -host=0.0.0.0`.
 */
export function normaliseArgs(args: readonly string[]): string[] {
  const first = args[0];
  if (first === undefined) return [];
  const isServer = first === 'server';
  const isBareFlags = first.startsWith('-') && !['--help', '-h', '--version', '-V'].includes(first);
  if (!isServer && !isBareFlags) return [...args];
  const rest = (isServer ? args.slice(1) : args).map(rewrite).filter((a): a is string => a !== null);
  return ['server', ...rest];
}

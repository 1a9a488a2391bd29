/**
 * toxiproxy-server parses flags with Go's `flag` package: `-port 8474`, `-port=8474` and
 * `--port` all work, and bool flags take `=true`/`=false`. Scripts and images written for it
 * call `-host=0.0.0.0`, so those spellings are rewritten into the parser's `--host=0.0.0.0`.
 */
const VALUE_FLAGS = new Set(['host', 'port', 'config', 'seed', 'api-token']);
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
 * Where the first argument that is not a flag or a flag's value is, if it names a command: then
 * the flags before it are global options (`faultline --host URL list`), not the server's.
 */
function commandIndex(args: readonly string[], commands: ReadonlySet<string>): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const flag = /^--?([a-z-]+)$/.exec(arg);
    if (flag !== null && VALUE_FLAGS.has(flag[1] ?? '')) i++;
    else if (!arg.startsWith('-')) return commands.has(arg) ? i : -1;
  }
  return -1;
}

/**
 * Rewrites Toxiproxy-style arguments. Without a subcommand, arguments that start with a flag
 * mean `server`, so `faultline -host=0.0.0.0` runs like `toxiproxy-server -host=0.0.0.0`.
 * `commands` are the names (and aliases) of the other commands: flags before one of them are
 * global, and toxiproxy-cli's Go-style `-host URL` there means `--host URL`.
 */
export function normaliseArgs(args: readonly string[], commands: ReadonlySet<string> = new Set()): string[] {
  const first = args[0];
  if (first === undefined) return [];
  if (first === 'server') return ['server', ...args.slice(1).map(rewrite).filter((a): a is string => a !== null)];
  if (!first.startsWith('-') || ['--help', '-h', '--version', '-V'].includes(first)) return [...args];
  const at = commandIndex(args, commands);
  if (at < 0) return ['server', ...args.map(rewrite).filter((a): a is string => a !== null)];
  const globals = args.slice(0, at).map((a) => a.replace(/^-host(?==|$)/, '--host'));
  return [...globals, ...args.slice(at)];
}

/** The command normalised `args` run, when the first of them that is not a flag names one. */
export function invokedCommand(args: readonly string[], commands: ReadonlySet<string>): string | undefined {
  const at = commandIndex(args, commands);
  return at < 0 ? undefined : args[at];
}

const ADDRESS = /^(https?:\/\/|localhost(:\d+)?$|[\w.-]+:\d+$|\[[\da-f:.]+\](:\d+)?$)/i;

/**
 * toxiproxy-cli's `-h URL` sets the server address; here `-h` is help, as in most tools. Rather
 * than print help and exit 0 in a script that meant a host, say what to write instead.
 */
export function misusedHostShorthand(args: readonly string[]): string | undefined {
  const at = args.indexOf('-h');
  const next = args[at + 1];
  if (at < 0 || next === undefined || !ADDRESS.test(next)) return undefined;
  return `-h means --help in faultline; to name the server, write --host ${next}`;
}

import type { Command } from 'commander';
import { FAULTLINE_VERSION } from '../../api/version.js';
import { parseSeed } from '../../api/seed.js';
import { collect } from '../collect.js';
import { UserError } from '../user-error.js';

interface VaurienFlags {
  config?: string[];
  version?: boolean;
  http?: boolean;
  httpHost?: string;
  httpPort?: string;
  protocol?: string;
  proxy?: string;
  backend?: string;
  behavior?: string;
  timeout?: string;
  stayConnected?: boolean;
  poolMaxSize?: string;
  poolTimeout?: string;
  sync?: boolean;
  backlog?: string;
  bufsize?: string;
  logLevel?: string;
  logOutput?: string;
  apiHost: string;
  apiPort: string;
  seed?: string;
}

/** Vaurien's log levels (Python's logging names), as pino's. */
const LEVELS: Record<string, 'fatal' | 'error' | 'warn' | 'info' | 'debug'> = {
  critical: 'fatal',
  error: 'error',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
};

/** Vaurien's per-protocol options (`--protocol-http-overwrite-host-header`); faultline frames each protocol itself. */
const PROTOCOL_OPTIONS = ['reuse-socket', 'buffer', 'keep-alive', 'overwrite-host-header'];

function port(text: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UserError(`invalid ${flag} ${JSON.stringify(text)}: expected a port from 0 to 65535`);
  return Number(text);
}

/**
 * The tokens commander did not know: `--behavior-<name>-<option> [value]` (Vaurien generated
 * one per behaviour option; a bool one may stand alone), `--protocol-<name>-<option> [value]`,
 * and anything else, which is a mistake.
 */
function extraFlags(tokens: readonly string[], behaviors: readonly string[], warnings: string[]): [string, string, string | boolean, string][] {
  const out: [string, string, string | boolean, string][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    const eq = token.indexOf('=');
    const flag = eq < 0 ? token : token.slice(0, eq);
    let value: string | boolean;
    if (eq >= 0) value = token.slice(eq + 1);
    else if (i + 1 < tokens.length && !(tokens[i + 1] as string).startsWith('--')) value = tokens[++i] as string;
    else value = true;
    if (flag.startsWith('--behavior-')) {
      const rest = flag.slice('--behavior-'.length);
      const name = [...behaviors].sort((a, b) => b.length - a.length).find((b) => rest.startsWith(`${b.replace(/_/g, '-')}-`));
      if (name === undefined) {
        throw new UserError(`unknown option ${flag}: no behavior ${JSON.stringify(rest.split('-')[0])}; valid behaviors: ${[...behaviors].sort().join(', ')}`);
      }
      out.push([name, rest.slice(name.length + 1).replace(/-/g, '_'), value, flag]);
    } else if (flag.startsWith('--protocol-') && PROTOCOL_OPTIONS.some((o) => flag.endsWith(`-${o}`))) {
      warnings.push(`${flag} is accepted and ignored: faultline frames ${flag.slice('--protocol-'.length).split('-')[0]} itself and keeps connections alive when the peers do`);
    } else if (flag.startsWith('-')) {
      throw new UserError(`unknown option ${flag} (see faultline vaurien --help)`);
    } else {
      throw new UserError(`unexpected argument ${JSON.stringify(token)} (see faultline vaurien --help)`);
    }
  }
  return out;
}

async function run(flags: VaurienFlags, command: Command): Promise<void> {
  if (flags.version === true) {
    process.stdout.write(`faultline version ${FAULTLINE_VERSION} (faultline vaurien)\n`);
    return;
  }
  const [{ readIni }, settingsModule, { proxyConfig }, { VaurienControl }, { mixNames }, plugins] = await Promise.all([
    import('../../vaurien/ini.js'),
    import('../../vaurien/settings.js'),
    import('../../vaurien/proxies.js'),
    import('../../vaurien/control-api.js'),
    import('../../api/behaviors.js'),
    import('../../server/plugins.js'),
  ]);
  const levelName = (flags.logLevel ?? 'info').toLowerCase();
  const level = LEVELS[levelName];
  if (level === undefined) throw new UserError(`invalid --log-level ${JSON.stringify(flags.logLevel)}: expected one of ${Object.keys(LEVELS).join(', ')}`);
  const apiPort = port(flags.apiPort, '--api-port');
  let seed: number | undefined;
  try {
    seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
  } catch (err) {
    throw new UserError((err as Error).message);
  }

  const files = (flags.config ?? []).map(readIni);
  // `callable = path` sections name behaviours the flags may give options for.
  const callables = files.flatMap((ini) =>
    [...ini.sections].flatMap(([section, keys]) => {
      const callable = keys.get('callable');
      return section.startsWith('behavior:') && callable !== undefined ? [{ name: section.slice('behavior:'.length), value: callable }] : [];
    }),
  );
  const warnings: string[] = [];
  const cli = {
    values: {
      proxy: flags.proxy,
      backend: flags.backend,
      protocol: flags.protocol,
      behavior: flags.behavior,
      timeout: flags.timeout,
      stay_connected: flags.stayConnected,
      pool_max_size: flags.poolMaxSize,
      pool_timeout: flags.poolTimeout,
      sync: flags.sync,
      backlog: flags.backlog,
      bufsize: flags.bufsize,
    },
    behaviorOptions: extraFlags(command.args, mixNames(callables.map((c) => c.name)), warnings),
    http: flags.http === true || flags.httpHost !== undefined || flags.httpPort !== undefined
      ? { host: flags.httpHost ?? 'localhost', port: port(flags.httpPort ?? '8080', '--http-port') }
      : null,
  };
  if (cli.http !== null && flags.http !== true) warnings.push('--http-host/--http-port given without --http: serving the control API anyway');
  const settings = settingsModule.settle(cli, files);
  for (const c of settings.callables) {
    try {
      const names = await plugins.loadPluginFiles([c.path], process.cwd(), () => c.where);
      if (!names.includes(c.name)) throw new UserError(`${c.where}: ${c.path} registers ${names.join(', ') || 'nothing'}, not a toxic named ${JSON.stringify(c.name)}`);
    } catch (err) {
      if (err instanceof plugins.PluginError) throw new UserError(err.message);
      throw err;
    }
  }
  warnings.push(...settings.warnings);
  const configs = settings.proxies.map((p) => {
    try {
      return proxyConfig(p, warnings);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${p.origin}: ${(err as Error).message}`);
    }
  });

  const [{ serverLogger }, { startServer }] = await Promise.all([import('../server-logger.js'), import('../../server/index.js')]);
  const file = flags.logOutput === undefined || flags.logOutput === '-' ? undefined : flags.logOutput;
  const logger = await serverLogger(level, { version: FAULTLINE_VERSION }, file);
  for (const line of warnings) logger.warn(line);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ host: flags.apiHost, port: apiPort, logger, proxies: configs, ...(seed === undefined ? {} : { seed }) });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `cannot start the faultline API on ${flags.apiHost}:${apiPort}: address already in use (use --api-port)` : (err as Error).message;
    throw new UserError(reason);
  }
  const controls: InstanceType<typeof VaurienControl>[] = [];
  try {
    for (const p of settings.proxies) {
      const listen = (await server.client.proxy(p.name)).listen;
      logger.info({ proxy: p.name, listen, backend: p.backend, protocol: p.protocol, behavior: p.behavior }, 'Vaurien proxy started');
      if (p.http === null) continue;
      const control = new VaurienControl(server.client, p, (line) => logger.warn(line));
      const bound = await control.listen();
      controls.push(control);
      logger.info({ proxy: p.name, url: `http://${p.http.host}:${bound}` }, 'Vaurien control API listening');
    }
  } catch (err) {
    await Promise.all(controls.map((c) => c.close()));
    await server.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot start the control API: ${code === 'EADDRINUSE' ? 'address already in use (use --http-port)' : (err as Error).message}`);
  }
  logger.info({ url: server.url, seed: server.seed }, 'faultline API listening');

  const stop = (signal: string): void => {
    logger.info({ signal }, 'Bye!');
    void Promise.all(controls.map((c) => c.close()))
      .then(() => server.close())
      .then(() => {
        logger.flush();
        process.exit(0);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerVaurien(program: Command): void {
  program
    .command('vaurien')
    .description("run Vaurien's command line: one faultline proxy per [vaurien] section with a behavior mix, and Vaurien's control API with --http")
    .option('--config <file>', 'Vaurien ini file ([vaurien], [vaurien:NAME], [behavior:NAME]); repeatable, one proxy or more per file', collect)
    .option('--proxy <host:port>', 'address to listen on (default: localhost:8000)')
    .option('--backend <host:port>', 'address to forward to (default: localhost:80)')
    .option('--protocol <name>', 'tcp, http, redis, memcache, mysql or smtp (default: tcp)')
    .option('--behavior <mix>', 'percent:behavior shares drawn per request, e.g. 20:delay,10:error (default: 100:dummy)')
    .option('--http', "serve Vaurien's control API (GET|PUT /behavior, GET /behaviors, GET|PUT /backend)")
    .option('--http-host <host>', 'control API host (default: localhost)')
    .option('--http-port <port>', 'control API port (default: 8080)')
    .option('--timeout <s>', 'accepted for Vaurien compatibility, ignored')
    .option('--stay-connected', 'accepted for Vaurien compatibility, ignored')
    .option('--pool-max-size <n>', 'accepted for Vaurien compatibility, ignored')
    .option('--pool-timeout <s>', 'accepted for Vaurien compatibility, ignored')
    .option('--sync', 'accepted for Vaurien compatibility, ignored')
    .option('--backlog <n>', 'accepted for Vaurien compatibility, ignored')
    .option('--bufsize <n>', 'accepted for Vaurien compatibility, ignored')
    .option('--log-level <level>', 'critical, error, warning, info or debug (default: info)')
    .option('--log-output <file>', 'log file, - for stderr (default: -)')
    .option('--plugin <path>', 'toxic plugin module to load, repeatable (see docs/plugins.md)')
    .option('--api-host <host>', "host of faultline's own (Toxiproxy) API", '127.0.0.1')
    .option('--api-port <port>', "port of faultline's own (Toxiproxy) API, 0 for any", '8474')
    .option('--seed <n>', 'seed for the per-request draws, to make a mix reproducible')
    .option('--version', 'print the version and exit')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
Behaviour options: --behavior-<name>-<option> VALUE, e.g. --behavior-delay-sleep 0.5
  delay      sleep (seconds, 1), before (true)
  error      inject (false; no effect, answers are always the protocol's own errors), warmup (0)
  transient  agitate (1), inject, warmup
  dummy, hang, blackout, abort take none.

Examples:
  faultline vaurien --protocol http --proxy localhost:8000 --backend localhost:8888 --behavior 20:delay,10:error
  faultline vaurien --config vaurien.ini --http --http-port 8080
See docs/vaurien.md for every flag, ini key and route.`,
    )
    .action((flags: VaurienFlags, command: Command) => run(flags, command));
}

import type { Command } from 'commander';
import { FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../../api/version.js';
import { parseSeed } from '../../api/seed.js';
// Imported here, not loaded on demand: the command table loads this module only for `server`
// (and for help), and in the bundle these modules sit in the chunk every run loads anyway.
import { serverLogger, type LevelName } from '../server-logger.js';
import { ConfigError, PluginError, startServer, type RunningServer } from '../../server/index.js';
import { UserError } from '../user-error.js';

interface ServerFlags {
  host: string;
  port: string;
  config?: string;
  watch?: boolean;
  metrics: boolean;
  seed?: string;
  logLevel?: string;
  proxyMetrics?: boolean;
  runtimeMetrics?: boolean;
  version?: boolean;
  ui: boolean;
  apiToken?: string;
  printSchema?: boolean;
}

/** Toxiproxy's LOG_LEVEL names, mapped onto pino's. */
const LEVELS: Record<string, LevelName> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  silent: 'silent',
};

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new UserError(`invalid --port ${JSON.stringify(text)}: expected a number from 0 to 65535`);
  }
  return Number(text);
}

async function run(flags: ServerFlags): Promise<void> {
  if (flags.version === true) {
    process.stdout.write(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})\n`);
    return;
  }
  if (flags.printSchema === true) {
    // Includes the types of any --plugin given, so an editor validates a config that uses them.
    const { configJsonSchema } = await import('../../api/config.js');
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return;
  }
  // The default is read here, not given to commander, so help does not print a second one.
  const levelName = flags.logLevel ?? (process.env.LOG_LEVEL || 'info');
  const level = LEVELS[levelName.toLowerCase()];
  if (level === undefined) {
    throw new UserError(`invalid log level ${JSON.stringify(levelName)}: expected one of ${Object.keys(LEVELS).join(', ')}`);
  }
  const port = parsePort(flags.port);
  let seed: number | undefined;
  try {
    seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const logger = await serverLogger(level, { version: FAULTLINE_VERSION });

  const apiToken = flags.apiToken ?? (process.env.FAULTLINE_API_TOKEN || undefined);
  if (flags.watch === true && flags.config === undefined) throw new UserError('--watch needs --config FILE');
  let server: RunningServer;
  try {
    server = await startServer({
      host: flags.host,
      port,
      logger,
      ...(seed === undefined ? {} : { seed }),
      ...(flags.config === undefined ? {} : { config: flags.config, watch: flags.watch === true }),
      ...(flags.metrics ? {} : { metrics: false as const }),
      ui: flags.ui,
      ...(apiToken === undefined ? {} : { apiToken }),
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PluginError) throw new UserError(err.message);
    const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message;
    throw new UserError(`cannot start the API on ${flags.host}:${port}: ${reason}`);
  }
  logger.info({ url: server.url, seed: server.seed, ui: server.uiUrl ?? 'off' }, 'faultline API listening');

  const stop = (signal: string): void => {
    logger.info({ signal }, 'Shutting down');
    void server.close().then(() => {
      logger.flush();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('start the faultline server: the Toxiproxy-compatible API and its proxies')
    .option('--host <host>', 'host the API listens on', '127.0.0.1')
    .option('--port <port>', 'port the API listens on', '8474')
    .option('--config <file>', "proxies and toxics to create at start: YAML or JSON (by extension), or Toxiproxy's JSON array")
    .option('--watch', 'apply changes to the config file while running; a broken edit is reported and ignored')
    .option('--no-metrics', 'serve no /metrics endpoint')
    .option('--no-ui', 'serve no web dashboard at /ui')
    .option('--api-token <token>', 'require this token (Authorization: Bearer) on every API call (default: $FAULTLINE_API_TOKEN)')
    .option('--seed <n>', 'seed for toxicity rolls and jitter, to make faults reproducible')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default: $LOG_LEVEL, else info)')
    .option('--proxy-metrics', 'accepted for toxiproxy-server compatibility (proxy metrics are always on)')
    .option('--runtime-metrics', 'accepted for toxiproxy-server compatibility (runtime metrics are always on)')
    .option('--plugin <path>', 'toxic plugin module (.js, .mjs, or .ts with esbuild) to load; repeatable (see docs/plugins.md)')
    .option('--print-schema', "print the config file's JSON Schema, plugins' types included, and exit")
    .option('--version', 'print the version and exit')
    .addHelpText(
      'after',
      '\nToxiproxy spellings work too: faultline -host=0.0.0.0 -port 8474 -config proxies.json\n\nExamples:\n  faultline server\n  faultline server --port 8475 --config proxies.yaml --watch --seed 42\n  FAULTLINE_API_TOKEN=s3cret faultline server --host 0.0.0.0',
    )
    .action((flags: ServerFlags) => run(flags));
}

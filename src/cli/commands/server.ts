import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { pino, type Level } from 'pino';
import { decodePopulate, FAULTLINE_VERSION, TOXIPROXY_API_VERSION } from '../../api/index.js';
import { parseSeed } from '../../proxy/random.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { PopulateError } from '../../server/state.js';
import { UserError } from '../user-error.js';

interface ServerFlags {
  host: string;
  port: string;
  config?: string;
  seed?: string;
  logLevel: string;
  proxyMetrics?: boolean;
  runtimeMetrics?: boolean;
  version?: boolean;
}

/** Toxiproxy's LOG_LEVEL names, mapped onto pino's. */
const LEVELS: Record<string, Level | 'silent'> = {
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

async function loadConfig(server: RunningServer, file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new UserError(`config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    const proxies = await server.state.populate(decodePopulate(document));
    return proxies.length;
  } catch (err) {
    const message = err instanceof PopulateError ? err.apiError.message : (err as Error).message;
    throw new UserError(`config ${file}: ${message.replace(/^bad request body: /, '')}`);
  }
}

async function run(flags: ServerFlags): Promise<void> {
  if (flags.version === true) {
    process.stdout.write(`faultline version ${FAULTLINE_VERSION} (Toxiproxy API ${TOXIPROXY_API_VERSION})\n`);
    return;
  }
  const level = LEVELS[flags.logLevel.toLowerCase()];
  if (level === undefined) {
    throw new UserError(`invalid log level ${JSON.stringify(flags.logLevel)}: expected one of ${Object.keys(LEVELS).join(', ')}`);
  }
  const port = parsePort(flags.port);
  let seed: number | undefined;
  try {
    seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const logger = pino({ level, base: { version: FAULTLINE_VERSION } }, pino.destination(2));

  let server: RunningServer;
  try {
    server = await startServer({ host: flags.host, port, logger, ...(seed === undefined ? {} : { seed }) });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (err as Error).message;
    throw new UserError(`cannot start the API on ${flags.host}:${port}: ${reason}`);
  }
  if (flags.config !== undefined) {
    try {
      const count = await loadConfig(server, flags.config);
      logger.info({ config: flags.config, proxies: count }, 'Populated proxies from file');
    } catch (err) {
      await server.close();
      throw err;
    }
  }
  logger.info({ url: server.url, seed: server.seed }, 'faultline API listening');

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
    .option('--config <file>', "JSON file of proxies to create at start (Toxiproxy's populate format)")
    .option('--seed <n>', 'seed for toxicity rolls and jitter, to make faults reproducible')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent', process.env.LOG_LEVEL ?? 'info')
    .option('--proxy-metrics', 'accepted for toxiproxy-server compatibility')
    .option('--runtime-metrics', 'accepted for toxiproxy-server compatibility')
    .option('--version', 'print the version and exit')
    .addHelpText(
      'after',
      '\nToxiproxy spellings work too: faultline -host=0.0.0.0 -port 8474 -config proxies.json\n\nExamples:\n  faultline server\n  faultline server --port 8475 --config proxies.json --seed 42',
    )
    .action((flags: ServerFlags) => run(flags));
}

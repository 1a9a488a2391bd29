import { existsSync } from 'node:fs';

export interface Options {
  rounds: number;
  quick: boolean;
  only: string[] | null;
  toxiproxy: string | null;
  profileDir: string | null;
  skipSetup: boolean;
  nodeOnly: boolean;
}

const USAGE = `usage: npm run bench -- [--rounds N] [--only scenario1,scenario4] [--quick]
                        [--toxiproxy PATH] [--profile DIR] [--skip-setup] [--node-only]
  --rounds N      rounds per scenario, direct and proxies interleaved (default 5; --quick: 2)
  --only LIST     comma-separated scenario ids (scenario1 … scenario13, mix)
  --quick         fewer, shorter rounds: a smoke run, not a measurement
  --toxiproxy P   also run this toxiproxy-server side by side (or set TOXIPROXY_SERVER)
  --profile DIR   run faultline under --cpu-prof, writing one .cpuprofile per server into DIR
  --skip-setup    do not run bench/setup.sh (apt-get) first
  --node-only     use our Node load clients and upstreams even where iperf3, wrk, nginx exist`;

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): Options {
  const options: Options = {
    rounds: NaN,
    quick: false,
    only: null,
    toxiproxy: process.env.TOXIPROXY_SERVER ?? null,
    profileDir: null,
    skipSetup: false,
    nodeOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--rounds': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError('--rounds must be a whole number from 1 to 100');
        options.rounds = n;
        break;
      }
      case '--quick':
        options.quick = true;
        break;
      case '--only':
        options.only = value().split(',').map((s) => s.trim()).filter((s) => s !== '');
        break;
      case '--toxiproxy':
        options.toxiproxy = value();
        break;
      case '--profile':
        options.profileDir = value();
        break;
      case '--skip-setup':
        options.skipSetup = true;
        break;
      case '--node-only':
        options.nodeOnly = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (Number.isNaN(options.rounds)) options.rounds = options.quick ? 2 : 5;
  if (options.toxiproxy === '') options.toxiproxy = null;
  if (options.toxiproxy !== null && !existsSync(options.toxiproxy)) throw new UsageError(`no toxiproxy-server at ${options.toxiproxy}`);
  return options;
}

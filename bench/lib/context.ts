import type { Row } from './report.js';
import type { ProxyServerOptions, RunTarget } from './targets.js';

export interface Tools {
  iperf3: string | null;
  wrk: string | null;
  nginx: string | null;
}

/** What every scenario is given: the run's settings and where to note what it fell back to. */
export interface Context {
  rounds: number;
  quick: boolean;
  /** 'direct' first, then the proxies under test. */
  targets: RunTarget[];
  proxy: ProxyServerOptions;
  tools: Tools;
  /** Fallbacks and oddities, printed under the table and kept in the JSON. */
  notes: string[];
  log(message: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: Context): Promise<Row[]>;
}

import type { Fault } from '../experiments/schema.js';
import type { Dependency, Failure, Matrix } from './schema.js';

/** One way one proxy is broken for a row: taken down, or given a toxic. */
export type FaultAction = { kind: 'down'; server?: string | undefined; proxy: string } | { kind: 'toxic'; fault: Fault };

/** A row of the matrix: a dependency in one failure mode ("Redis", "Redis slow"). */
export interface Row {
  label: string;
  dependency: string;
  /** The failure mode's name: down, slow, timeout, the toxic's type, or the one given. */
  mode: string;
  /** Where it was declared, for messages: dependencies[1].failures[0]. */
  path: string;
  actions: FaultAction[];
  /** One line for reports: "proxy redis down", "latency 1000 ms on mysql". */
  explain: string;
}

export function proxiesOf(dep: Dependency): string[] {
  return dep.proxies ?? (dep.proxy === undefined ? [] : [dep.proxy]);
}

function modeName(f: Failure): string {
  if (f === 'down') return 'down';
  if (f.name !== undefined) return f.name;
  if (f.down === true) return 'down';
  if (f.latency !== undefined) return 'slow';
  if (f.timeout !== undefined) return 'timeout';
  return f.toxic?.type ?? 'fault';
}

function actionsFor(f: Failure, dep: Dependency, rowKey: string): { actions: FaultAction[]; explain: string } {
  const proxies = proxiesOf(dep);
  const on = proxies.join(', ');
  if (f === 'down' || f.down === true) return { actions: proxies.map((proxy) => ({ kind: 'down', server: dep.server, proxy })), explain: `${proxies.length > 1 ? 'proxies' : 'proxy'} ${on} down` };
  const toxic = (type: string, attributes: Record<string, unknown>, stream: 'upstream' | 'downstream' = 'downstream', toxicity = 1): FaultAction[] =>
    proxies.map((proxy) => ({ kind: 'toxic', fault: { server: dep.server, proxy, type, name: `matrix-${rowKey}`, stream, toxicity, attributes } }));
  if (f.latency !== undefined) {
    return { actions: toxic('latency', { latency: f.latency, jitter: f.jitter ?? 0 }), explain: `latency ${f.latency} ms${f.jitter === undefined ? '' : ` ± ${f.jitter} ms`} on ${on}` };
  }
  if (f.timeout !== undefined) return { actions: toxic('timeout', { timeout: f.timeout }), explain: `timeout ${f.timeout} ms on ${on}` };
  const t = f.toxic as NonNullable<typeof f.toxic>;
  return { actions: toxic(t.type, t.attributes, t.stream, t.toxicity), explain: `${t.type} ${JSON.stringify(t.attributes)} (${t.stream}) on ${on}` };
}

/**
 * Every row, in file order. A dependency whose only failure is `down` is labelled with its
 * name alone, as in the table teams draw; other modes add theirs ("Redis slow").
 */
export function rowsOf(matrix: Matrix): Row[] {
  const rows: Row[] = [];
  matrix.dependencies.forEach((dep, i) => {
    const plain = dep.failures.length === 1 && modeName(dep.failures[0] as Failure) === 'down';
    dep.failures.forEach((f, j) => {
      const mode = modeName(f);
      const label = plain ? dep.name : `${dep.name} ${mode}`;
      const key = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `row-${rows.length}`;
      rows.push({ label, dependency: dep.name, mode, path: `dependencies[${i}].failures[${j}]`, ...actionsFor(f, dep, key) });
    });
  });
  return rows;
}

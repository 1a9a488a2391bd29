import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProxyCollection } from './state.js';

export interface MetricsOptions {
  /** Toxiproxy's byte counters plus faultline's connection and toxic metrics; default on. */
  proxy?: boolean;
  /** Node.js process metrics (CPU, memory, event loop, GC); default on. */
  runtime?: boolean;
}

const STREAMS = ['upstream', 'downstream'] as const;

/**
 * A Prometheus registry whose proxy metrics are computed when scraped, from plain counters the
 * data plane keeps anyway: live byte counts move as bytes flow, not only when a connection
 * closes (Toxiproxy's), and the hot path does no metrics work at all.
 */
export function createMetrics(state: ProxyCollection, options: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.runtime ?? true) {
    // The registry is made by the first scrape, not at start-up (server/index.ts), and
    // prom-client counts CPU from when its counters are made: what the process spent before is
    // added, so process_cpu_*_seconds_total stay the whole process's, as Prometheus means them.
    const before = process.cpuUsage();
    collectDefaultMetrics({ register: registry });
    const spent = { process_cpu_user_seconds_total: before.user, process_cpu_system_seconds_total: before.system, process_cpu_seconds_total: before.user + before.system };
    for (const [name, micros] of Object.entries(spent)) (registry.getSingleMetric(name) as Counter | undefined)?.inc(micros / 1e6);
  }
  if (!(options.proxy ?? true)) return registry;

  // Toxiproxy's two byte counters, same names and labels; received is what a direction read
  // from its source, sent what it wrote to its destination after toxics.
  const bytes = [
    ['toxiproxy_proxy_received_bytes_total', 'received', 'Bytes read from the source of each direction of a proxy (upstream: from clients; downstream: from the upstream server)'],
    ['toxiproxy_proxy_sent_bytes_total', 'sent', 'Bytes written to the destination of each direction of a proxy, after toxics'],
  ] as const;
  for (const [name, which, help] of bytes) {
    new Counter({
      name,
      help,
      labelNames: ['direction', 'proxy', 'listener', 'upstream'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of state.list()) {
          for (const direction of STREAMS) {
            this.inc({ direction, proxy: p.name, listener: p.listen, upstream: p.upstream }, p.byteTotals(direction)[which]);
          }
        }
      },
    });
  }
  new Gauge({
    name: 'faultline_proxy_connections_active',
    help: 'Client connections open through a proxy now',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) this.set({ proxy: p.name }, p.connections.size);
    },
  });
  new Counter({
    name: 'faultline_proxy_connections_total',
    help: 'Client connections accepted by a proxy',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) this.inc({ proxy: p.name }, p.connectionsTotal);
    },
  });
  new Counter({
    name: 'faultline_proxy_upstream_failures_total',
    help: 'Connections to the upstream that could not be opened',
    labelNames: ['proxy', 'upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) this.inc({ proxy: p.name, upstream: p.upstream }, p.upstreamFailures);
    },
  });
  new Counter({
    name: 'faultline_toxic_activations_total',
    help: 'Connections a toxic has acted on (its toxicity roll applied it)',
    labelNames: ['proxy', 'toxic', 'type', 'stream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) {
        for (const t of [...p.toxics.upstream, ...p.toxics.downstream]) {
          this.inc({ proxy: p.name, toxic: t.name, type: t.type, stream: t.stream }, t.activations);
        }
      }
    },
  });
  new Counter({
    name: 'faultline_faults_total',
    help: 'Requests a request-level toxic has acted on',
    labelNames: ['proxy', 'toxic', 'type'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) {
        for (const t of p.requestToxics) this.inc({ proxy: p.name, toxic: t.name, type: t.type }, t.fired);
      }
    },
  });
  new Gauge({
    name: 'faultline_header_faults_active',
    help: "Requests faulted by Envoy's fault headers now",
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) if (p.envoyFaultHeaders) this.set({ proxy: p.name }, p.activeHeaderFaults);
    },
  });
  new Counter({
    name: 'faultline_header_faults_overflow_total',
    help: "Requests not faulted because the proxy's max_active_faults was reached",
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of state.list()) if (p.envoyFaultHeaders) this.inc({ proxy: p.name }, p.headerFaultsOverflow);
    },
  });
  return registry;
}

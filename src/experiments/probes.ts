import { connect } from 'node:net';
import type { Faultline } from '../client/index.js';
import { runCommand } from './command.js';
import type { Command, HttpProbe, Probe, StatusSpec } from './schema.js';
import { compare } from './thresholds/parse.js';

/**
 * A probe's outcome, in Chaos Toolkit's split: `error` when the probe could not run (a probe
 * failure), `ok: false` with `detail` when it ran and the answer was not the expected one.
 */
export interface ProbeResult {
  ok: boolean;
  detail: string;
  output: unknown;
  error?: string;
  start: Date;
  end: Date;
}

export function statusMatches(spec: StatusSpec, status: number): boolean {
  if (typeof spec === 'number') return status === spec;
  if (Array.isArray(spec)) return spec.includes(status);
  return Math.floor(status / 100) === Number(spec[0]);
}

/** `$.a.b[0].c` (or `a.b.0.c`): enough JSON path for probes, without a dependency. */
export function jsonPath(value: unknown, path: string): { found: boolean; value?: unknown } {
  const parts = path.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '');
  let cur: unknown = value;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

export interface HttpOutcome {
  status: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
}

export async function httpCall(req: { url: string; method: string; headers?: Record<string, string> | undefined; body?: unknown; timeout: number }, signal?: AbortSignal): Promise<HttpOutcome> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (typeof req.body !== 'string') headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const timeout = AbortSignal.timeout(req.timeout);
  const res = await fetch(req.url, { method: req.method, headers, ...(body === undefined ? {} : { body }), signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]) });
  const text = await res.text();
  return { status: res.status, headers: Object.fromEntries(res.headers), body: text.length > 4096 ? `${text.slice(0, 4096)}…` : text, latencyMs: performance.now() - started };
}

async function httpProbe(p: HttpProbe, signal?: AbortSignal): Promise<{ ok: boolean; detail: string; output: unknown }> {
  const out = await httpCall(p, signal);
  const output = { status: out.status, headers: out.headers, body: out.body, latency_ms: Math.round(out.latencyMs * 10) / 10 };
  if (!statusMatches(p.status, out.status)) return { ok: false, detail: `status ${out.status}, expected ${JSON.stringify(p.status)}`, output };
  if (p.max_latency !== undefined && out.latencyMs > p.max_latency) return { ok: false, detail: `took ${out.latencyMs.toFixed(0)} ms, more than ${p.max_latency} ms`, output };
  if (p.body_matches !== undefined && !new RegExp(p.body_matches).test(out.body)) return { ok: false, detail: `body does not match /${p.body_matches}/`, output };
  if (p.json_path !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(out.body);
    } catch {
      return { ok: false, detail: 'body is not JSON', output };
    }
    const got = jsonPath(doc, p.json_path.path);
    if (p.json_path.exists === false) return got.found ? { ok: false, detail: `${p.json_path.path} exists`, output } : { ok: true, detail: `status ${out.status}`, output };
    if (!got.found) return { ok: false, detail: `${p.json_path.path} not found`, output };
    if (p.json_path.equals !== undefined && JSON.stringify(got.value) !== JSON.stringify(p.json_path.equals)) {
      return { ok: false, detail: `${p.json_path.path} is ${JSON.stringify(got.value)}, expected ${JSON.stringify(p.json_path.equals)}`, output };
    }
  }
  return { ok: true, detail: `status ${out.status} in ${out.latencyMs.toFixed(0)} ms`, output };
}

function tcpProbe(address: string, timeoutMs: number): Promise<{ ok: boolean; detail: string; output: unknown }> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean, detail: string): void => {
      socket.destroy();
      resolve({ ok, detail, output: { address, connected: ok, ms: Math.round(performance.now() - started) } });
    };
    socket.setTimeout(timeoutMs, () => done(false, `no connection to ${address} within ${timeoutMs} ms`));
    socket.once('connect', () => done(true, `connected to ${address}`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, `cannot connect to ${address}: ${err.code ?? err.message}`));
  });
}

async function commandProbe(c: Command, signal?: AbortSignal): Promise<{ ok: boolean; detail: string; output: unknown }> {
  const r = await runCommand(c.run, c.timeout, undefined, signal);
  const output = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  if (r.timedOut) return { ok: false, detail: `timed out after ${c.timeout} ms`, output };
  if (r.status !== c.exit_code) return { ok: false, detail: `exit status ${r.status ?? r.signal}, expected ${c.exit_code}`, output };
  if (c.stdout_matches !== undefined && !new RegExp(c.stdout_matches).test(r.stdout)) return { ok: false, detail: `output does not match /${c.stdout_matches}/`, output };
  return { ok: true, detail: `exit status ${r.status}`, output };
}

/** Prometheus's instant query API; the result must be a scalar or exactly one sample. */
async function prometheusProbe(p: NonNullable<Probe['prometheus']>): Promise<{ ok: boolean; detail: string; output: unknown }> {
  const url = `${p.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(p.query)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(p.timeout) });
  const body = (await res.json().catch(() => undefined)) as
    | { status?: string; error?: string; data?: { resultType?: string; result?: unknown } }
    | undefined;
  if (body === undefined) throw new Error(`Prometheus at ${p.url} answered ${res.status} without JSON`);
  if (body.status !== 'success') throw new Error(`Prometheus query failed: ${body.error ?? `status ${res.status}`}`);
  const data = body.data ?? {};
  let sample: string | undefined;
  if (data.resultType === 'scalar') sample = (data.result as [number, string])[1];
  else if (data.resultType === 'vector') {
    const result = data.result as { value?: [number, string] }[];
    if (result.length !== 1) throw new Error(`Prometheus query returned ${result.length} series; aggregate it to one (sum(...), scalar(...))`);
    sample = result[0]?.value?.[1];
  } else throw new Error(`Prometheus query returned a ${data.resultType ?? 'missing'} result; expected a scalar or one sample`);
  const value = Number(sample);
  const ok = compare(value, p.op, p.value);
  return { ok, detail: `${p.query} = ${value}${ok ? '' : `, expected ${p.op} ${p.value}`}`, output: { value, result: data } };
}

/** The sum of a metric's samples whose labels include `labels`, from Prometheus text format. */
export function sumMetric(text: string, metric: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(metric)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== metric) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[4]);
  }
  return sum;
}

async function faultlineProbe(p: NonNullable<Probe['faultline']>, clients: ReadonlyMap<string, Faultline>): Promise<{ ok: boolean; detail: string; output: unknown }> {
  const name = p.server ?? [...clients.keys()][0] ?? 'default';
  const client = clients.get(name);
  if (client === undefined) throw new Error(`no server named ${name}`);
  const value = sumMetric(await client.metrics(), p.metric, p.labels);
  if (value === undefined) throw new Error(`metric ${p.metric}${p.labels === undefined ? '' : JSON.stringify(p.labels)} not found on ${client.url}/metrics`);
  const ok = compare(value, p.op, p.value);
  return { ok, detail: `${p.metric} = ${value}${ok ? '' : `, expected ${p.op} ${p.value}`}`, output: { value } };
}

/** `signal` cuts an http or command probe short (the matrix's Ctrl-C); the probe then fails. */
export async function runProbe(probe: Probe, clients: ReadonlyMap<string, Faultline>, signal?: AbortSignal): Promise<ProbeResult> {
  const start = new Date();
  try {
    let r: { ok: boolean; detail: string; output: unknown };
    if (probe.http !== undefined) r = await httpProbe(probe.http, signal);
    else if (probe.tcp !== undefined) r = await tcpProbe(probe.tcp.address, probe.tcp.timeout);
    else if (probe.command !== undefined) r = await commandProbe(probe.command, signal);
    else if (probe.prometheus !== undefined) r = await prometheusProbe(probe.prometheus);
    else r = await faultlineProbe(probe.faultline as NonNullable<Probe['faultline']>, clients);
    return { ...r, start, end: new Date() };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const message = e.name === 'TimeoutError' ? 'timed out' : `${e.message}${e.cause?.message === undefined ? '' : `: ${e.cause.message}`}`;
    return { ok: false, detail: message, output: null, error: message, start, end: new Date() };
  }
}

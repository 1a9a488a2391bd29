/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { FaultlineEvent } from '../api/events.js';
import type { FaultRecord } from '../api/faults.js';
import type { PresetJson } from '../api/presets.js';
import type { ProxyJson } from '../api/proxy.js';
import type { RunJson } from '../api/runs.js';
import type { ToxicTypeJson } from '../api/toxic-types.js';
import { ApiFailure, call, followEvents, setToken, tokenRequired } from './api.js';
import { byId, h, replace } from './dom.js';
import { ProxyCard, type Catalogue } from './proxy-card.js';
import { RunList } from './run-list.js';

const MAX_LOG = 200;
const cards = new Map<string, ProxyCard>();
const events: FaultlineEvent[] = [];
const kinds = new Set<string>();
const seg = encodeURIComponent;

const list = byId('proxy-list');
const runs = new RunList(byId('run-list'), byId('no-runs'));
const status = byId('status');
const report = (message: string): void => {
  status.textContent = message;
};

function describe(e: FaultlineEvent): string {
  switch (e.type) {
    case 'proxy-created':
    case 'proxy-updated':
      return `${e.state.listen} → ${e.state.upstream}, ${e.state.enabled ? 'up' : 'down'}`;
    case 'toxic-added':
    case 'toxic-updated':
      return `${e.toxic.name}: ${e.toxic.explanation ?? e.toxic.type}`;
    case 'toxic-removed':
      return e.toxic;
    case 'connection-opened':
      return `#${e.connection} from ${e.client}`;
    case 'connection-closed':
      return `#${e.connection} ${e.client} after ${e.duration_ms} ms, ↑ ${e.bytes.upstream.sent} B ↓ ${e.bytes.downstream.sent} B`;
    case 'toxic-applied':
    case 'toxic-skipped':
      return `${e.toxic} on #${e.connection} (${e.stream}, toxicity ${e.toxicity})`;
    case 'upstream-failed':
      return `#${e.connection} to ${e.upstream}: ${e.error}`;
    case 'fault':
      return faultText(e.fault);
    case 'framing-stopped':
      return `#${e.connection}: ${e.reason}`;
    default:
      return '';
  }
}

function faultText(f: FaultRecord): string {
  return `${f.toxic}: ${f.action} ${f.method} ${f.path} (connection ${f.connection}, request ${f.request})`;
}

const eventProxy = byId<HTMLSelectElement>('event-proxy');
const eventKind = byId<HTMLSelectElement>('event-kind');
const eventList = byId('event-list');
const faultList = byId('fault-list');

function renderEvents(): void {
  const proxy = eventProxy.value;
  const kind = eventKind.value;
  const shown = events.filter((e) => (proxy === '' || e.proxy === proxy) && (kind === '' || e.type === kind));
  replace(
    eventList,
    ...shown.slice(-MAX_LOG).reverse().map((e) =>
      h('li', { 'data-kind': e.type }, h('time', { datetime: e.at }, e.at.slice(11, 19)), ' ', h('span', { class: 'kind' }, e.type), ` ${e.proxy} `, describe(e)),
    ),
  );
}

function syncFilters(): void {
  const proxies = ['', ...[...cards.keys()].sort()];
  const keep = eventProxy.value;
  replace(eventProxy, ...proxies.map((p) => h('option', { value: p }, p === '' ? 'all' : p)));
  eventProxy.value = proxies.includes(keep) ? keep : '';
  const keepKind = eventKind.value;
  replace(eventKind, h('option', { value: '' }, 'all'), ...[...kinds].sort().map((k) => h('option', { value: k }, k)));
  eventKind.value = keepKind;
}

function addFault(proxy: string, f: FaultRecord): void {
  faultList.prepend(h('li', {}, h('time', { datetime: f.at }, f.at.slice(11, 19)), ` ${proxy} `, faultText(f)));
  while (faultList.children.length > MAX_LOG) faultList.lastElementChild?.remove();
}

/** A proxy's state with its toxics' explanations, fetched again after any change to it. */
const pending = new Map<string, ReturnType<typeof setTimeout>>();
function refresh(name: string): void {
  clearTimeout(pending.get(name));
  pending.set(
    name,
    setTimeout(() => {
      pending.delete(name);
      call<ProxyJson>('GET', `/proxies/${seg(name)}?explain=true`).then(
        (json) => show(json),
        (err: unknown) => {
          if (err instanceof ApiFailure && err.status === 404) drop(name);
          else report(String(err));
        },
      );
    }, 30),
  );
}

let catalogue: Catalogue;

function show(json: ProxyJson): void {
  const card = cards.get(json.name);
  if (card !== undefined) return card.update(json);
  const created = new ProxyCard(json, catalogue);
  cards.set(json.name, created);
  const after = [...cards.keys()].sort().find((n) => n > json.name);
  list.insertBefore(created.element, after === undefined ? null : (cards.get(after)?.element ?? null));
  byId('no-proxies').hidden = true;
  syncFilters();
}

function drop(name: string): void {
  cards.get(name)?.element.remove();
  cards.delete(name);
  byId('no-proxies').hidden = cards.size > 0;
  syncFilters();
}

function onEvent(e: FaultlineEvent): void {
  // Runs have their own section; a progress report a second would only crowd the log.
  if (e.type === 'run') return runs.show(e.run);
  if (e.type === 'traffic') {
    cards.get(e.proxy)?.traffic(e.connections, e.bytes.upstream.sent, e.bytes.downstream.sent, Date.parse(e.at));
    return;
  }
  if (e.type === 'proxy-deleted') drop(e.proxy);
  else if (e.type.startsWith('proxy-') || e.type.startsWith('toxic-added') || e.type.startsWith('toxic-updated') || e.type === 'toxic-removed') refresh(e.proxy);
  else if (e.type === 'connection-opened' || e.type === 'connection-closed') cards.get(e.proxy)?.connectionsChanged();
  if (e.type === 'fault') addFault(e.proxy, e.fault);
  events.push(e);
  if (events.length > MAX_LOG * 5) events.splice(0, events.length - MAX_LOG * 5);
  if (!kinds.has(e.type)) {
    kinds.add(e.type);
    syncFilters();
  }
  // Under load (hundreds of connections a second) the log is redrawn once a frame, not per event.
  if (!drawing) {
    drawing = true;
    requestAnimationFrame(() => {
      drawing = false;
      renderEvents();
    });
  }
}
let drawing = false;

async function loadAll(listed?: Promise<Record<string, ProxyJson>>): Promise<void> {
  const runsListed = call<RunJson[]>('GET', '/runs');
  const proxies = await (listed ?? call<Record<string, ProxyJson>>('GET', '/proxies'));
  for (const name of [...cards.keys()]) if (proxies[name] === undefined) drop(name);
  // Shown from the listing at once; the toxics' explanations follow a round trip later.
  for (const json of Object.values(proxies)) show(json);
  byId('no-proxies').hidden = cards.size > 0;
  document.documentElement.dataset.firstRender ??= String(Math.round(performance.now()));
  const full = await Promise.all(Object.keys(proxies).map((name) => call<ProxyJson>('GET', `/proxies/${seg(name)}?explain=true`)));
  for (const json of full) show(json);
  const faults = await Promise.all(full.map(async (p) => [p.name, await call<FaultRecord[]>('GET', `/proxies/${seg(p.name)}/faults`)] as const));
  for (const [proxy, records] of faults) for (const f of records) addFault(proxy, f);
  runs.load(await runsListed);
}

async function start(): Promise<void> {
  // All at once: the first render waits for one round trip, not three.
  const listed = call<Record<string, ProxyJson>>('GET', '/proxies');
  const [types, presets] = await Promise.all([call<ToxicTypeJson[]>('GET', '/toxic-types'), call<PresetJson[]>('GET', '/presets'), listed]);
  catalogue = { types, presets, report };
  await loadAll(listed);
  let wasLive = true;
  void followEvents(onEvent, (live) => {
    byId('live').textContent = live ? 'live' : 'reconnecting…';
    byId('live').className = live ? 'live' : 'offline';
    // Whatever happened while the stream was down is read again in full.
    if (live && !wasLive) loadAll().catch((err: unknown) => report(String(err)));
    wasLive = live;
  });
}

eventProxy.addEventListener('change', renderEvents);
eventKind.addEventListener('change', renderEvents);
byId('event-clear').addEventListener('click', () => {
  events.length = 0;
  renderEvents();
});

function begin(): void {
  start().catch((err: unknown) => {
    if (err instanceof ApiFailure && err.status === 401) {
      const form = byId<HTMLFormElement>('token-form');
      form.hidden = false;
      byId('token-input').focus();
      report('This server needs its API token.');
      return;
    }
    report(err instanceof Error ? err.message : String(err));
  });
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken(byId<HTMLInputElement>('token-input').value);
  byId('token-form').hidden = true;
  report('');
  begin();
});
if (tokenRequired && sessionStorage.getItem('faultline-api-token') === null) {
  byId('token-form').hidden = false;
} else begin();

/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ConnectionJson } from '../api/events.js';
import type { PresetJson } from '../api/presets.js';
import type { ProxyJson } from '../api/proxy.js';
import type { ToxicTypeJson } from '../api/toxic-types.js';
import { ApiFailure, call } from './api.js';
import { TrafficChart } from './chart.js';
import { formatAge, formatBytes, h, replace, uid } from './dom.js';
import { toxicForm } from './toxic-form.js';

export interface Catalogue {
  types: ToxicTypeJson[];
  presets: PresetJson[];
  /** Reports a failed call where the user sees it. */
  report: (message: string) => void;
}

const seg = encodeURIComponent;
const PRESET_PREFIX = /^preset_(.+?)_(latency|bandwidth|slicer|timeout)_(upstream|downstream)$/;

/** One proxy: its settings, traffic, toxics, presets and live connections, updated in place. */
export class ProxyCard {
  readonly element: HTMLElement;
  readonly chart: TrafficChart;
  private json: ProxyJson;
  private connectionCount = 0;
  private readonly summary = h('p', { class: 'summary' });
  private readonly toggle = h('button', { type: 'button' });
  private readonly toxicList = h('ul', { class: 'toxics' });
  private readonly formBox = h('div');
  private readonly presetSelect: HTMLSelectElement;
  private readonly presetNote = h('span', { class: 'preset-note', 'aria-live': 'polite' });
  private readonly connectionList = h('ul', { class: 'connections' });
  private readonly connectionsBox: HTMLDetailsElement;
  private readonly connectionsLabel = h('summary');

  constructor(json: ProxyJson, private readonly catalogue: Catalogue) {
    this.json = json;
    this.chart = new TrafficChart(json.name);
    const titleId = uid('proxy');
    const presetId = uid('preset');
    this.presetSelect = h('select', { id: presetId }, ...catalogue.presets.map((p) => h('option', { value: p.name, title: p.source }, `${p.name} — ${p.description}`)));
    this.toggle.addEventListener('click', () => this.run(call('POST', `/proxies/${seg(this.json.name)}`, { enabled: !this.json.enabled })));
    this.connectionsBox = h('details', { class: 'connections-box' }, this.connectionsLabel, this.connectionList);
    this.connectionsBox.addEventListener('toggle', () => void this.loadConnections());
    this.element = h(
      'article',
      { class: 'proxy', 'aria-labelledby': titleId, 'data-proxy': json.name },
      h('header', {}, h('h3', { id: titleId }, json.name), this.toggle),
      this.summary,
      this.chart.element,
      h('h4', {}, 'Toxics'),
      this.toxicList,
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => this.openForm() }, 'Add a toxic')),
      this.formBox,
      h(
        'div',
        { class: 'presets' },
        h('label', { for: presetId }, 'Network preset'),
        this.presetSelect,
        h('button', { type: 'button', onclick: () => this.applyPreset() }, 'Apply preset'),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.removePreset() }, 'Remove preset'),
        this.presetNote,
      ),
      this.connectionsBox,
    );
    this.update(json);
  }

  get name(): string {
    return this.json.name;
  }

  private run(request: Promise<unknown>): void {
    request.catch((err: unknown) => this.catalogue.report(`${this.json.name}: ${err instanceof ApiFailure ? err.message : String(err)}`));
  }

  /** The preset whose toxics are on the proxy, if any. */
  private activePreset(): string | undefined {
    for (const t of this.json.toxics) {
      const m = PRESET_PREFIX.exec(t.name);
      if (m !== null) return m[1];
    }
    return undefined;
  }

  update(json: ProxyJson): void {
    this.json = json;
    this.element.dataset.enabled = String(json.enabled);
    this.toggle.textContent = json.enabled ? 'Take down' : 'Bring up';
    this.toggle.setAttribute('aria-label', `${json.enabled ? 'Take down' : 'Bring up'} ${json.name}`);
    replace(
      this.summary,
      h('span', { class: json.enabled ? 'state up' : 'state down' }, json.enabled ? 'up' : 'down'),
      ` ${json.listen} → ${json.upstream} · ${json.protocol ?? 'tcp'} · `,
      h('span', { class: 'conn-count' }, `${this.connectionCount} live connection${this.connectionCount === 1 ? '' : 's'}`),
    );
    replace(
      this.toxicList,
      ...json.toxics.map((t) =>
        h(
          'li',
          { 'data-toxic': t.name },
          h('strong', {}, t.name),
          ` ${t.type}, ${t.stream}${t.toxicity < 1 ? `, toxicity ${t.toxicity}` : ''}: `,
          h('span', { class: 'explain' }, t.explanation ?? ''),
          h('span', { class: 'buttons' },
            h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${t.name}`, onclick: () => this.openForm(t.name) }, 'Edit'),
            h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${t.name}`, onclick: () => this.run(call('DELETE', `/proxies/${seg(json.name)}/toxics/${seg(t.name)}`)) }, 'Remove'),
          ),
        ),
      ),
    );
    if (json.toxics.length === 0) this.toxicList.append(h('li', { class: 'none' }, 'none: traffic passes unchanged'));
    this.connectionsLabel.textContent = `Live connections (${this.connectionCount})`;
    const active = this.activePreset();
    this.presetNote.textContent = active === undefined ? 'no preset on' : `on: ${active}`;
    this.element.dataset.preset = active ?? '';
  }

  traffic(connections: number, upSent: number, downSent: number, at: number): void {
    this.chart.sample(upSent, downSent, at);
    if (connections !== this.connectionCount) {
      this.connectionCount = connections;
      this.update(this.json);
      if (this.connectionsBox.open) void this.loadConnections();
    }
  }

  connectionsChanged(): void {
    if (this.connectionsBox.open) void this.loadConnections();
  }

  private openForm(editing?: string): void {
    const existing = editing === undefined ? undefined : this.json.toxics.find((t) => t.name === editing);
    const form = toxicForm({
      proxy: this.json.name,
      protocol: this.json.protocol ?? 'tcp',
      types: this.catalogue.types,
      ...(existing === undefined ? {} : { existing }),
      onDone: () => replace(this.formBox),
    });
    replace(this.formBox, form);
    form.querySelector<HTMLElement>('select:not([disabled]), input:not([disabled])')?.focus();
  }

  private applyPreset(): void {
    this.run(call('POST', `/proxies/${seg(this.json.name)}/presets/${seg(this.presetSelect.value)}`));
  }

  private removePreset(): void {
    const active = this.activePreset();
    if (active !== undefined) this.run(call('DELETE', `/proxies/${seg(this.json.name)}/presets/${seg(active)}`));
  }

  private async loadConnections(): Promise<void> {
    this.connectionsLabel.textContent = `Live connections (${this.connectionCount})`;
    if (!this.connectionsBox.open) return;
    let list: ConnectionJson[];
    try {
      list = await call<ConnectionJson[]>('GET', `/proxies/${seg(this.json.name)}/connections`);
    } catch (err) {
      this.catalogue.report(err instanceof Error ? err.message : String(err));
      return;
    }
    const now = Date.now();
    replace(
      this.connectionList,
      ...list.map((c) =>
        h(
          'li',
          {},
          `#${c.id} ${c.client}, ${formatAge(now - Date.parse(c.opened_at))} old, ↑ ${formatBytes(c.bytes.upstream.sent)} ↓ ${formatBytes(c.bytes.downstream.sent)} `,
          h('button', { type: 'button', class: 'danger', 'aria-label': `Close connection ${c.id}`, onclick: () => this.run(call('DELETE', `/proxies/${seg(this.json.name)}/connections/${c.id}`)) }, 'Close'),
        ),
      ),
    );
    if (list.length === 0) this.connectionList.append(h('li', { class: 'none' }, 'none open'));
  }
}

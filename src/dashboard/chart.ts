/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { formatBytes } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Seconds of history shown: the last three minutes. */
const SAMPLES = 180;
const HEIGHT = 40;

/** The newest `samples` values as SVG polyline points, right-aligned, scaled to `max`. */
function polyline(series: readonly number[], max: number, samples = SAMPLES): string {
  const shown = series.slice(-samples);
  const start = samples - shown.length;
  return shown.map((v, i) => `${start + i},${(HEIGHT - 1 - (v / max) * (HEIGHT - 2)).toFixed(1)}`).join(' ');
}

function line(cls: string): SVGPolylineElement {
  const l = document.createElementNS(SVG, 'polyline');
  l.setAttribute('class', cls);
  return l;
}

interface Totals {
  up: number;
  down: number;
  at: number;
}

/**
 * Bytes per second in each direction over the last minutes, from the cumulative totals of the
 * `traffic` events: two lines in an SVG, and the current figures as text for screen readers.
 */
export class TrafficChart {
  readonly element: HTMLElement;
  private readonly up: number[] = [];
  private readonly down: number[] = [];
  private last: Totals | undefined;
  private readonly upLine: SVGPolylineElement;
  private readonly downLine: SVGPolylineElement;
  private readonly caption: HTMLElement;
  private readonly upText = document.createElement('span');
  private readonly downText = document.createElement('span');
  private readonly peakText = document.createElement('span');

  constructor(label: string) {
    this.element = document.createElement('figure');
    this.element.className = 'chart';
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${SAMPLES} ${HEIGHT}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('aria-hidden', 'true');
    this.upLine = document.createElementNS(SVG, 'polyline');
    this.upLine.setAttribute('class', 'up');
    this.downLine = document.createElementNS(SVG, 'polyline');
    this.downLine.setAttribute('class', 'down');
    svg.append(this.downLine, this.upLine);
    this.caption = document.createElement('figcaption');
    this.caption.setAttribute('aria-label', `${label} traffic`);
    const key = (cls: string): HTMLElement => {
      const k = document.createElement('span');
      k.className = `key ${cls}`;
      k.setAttribute('aria-hidden', 'true');
      return k;
    };
    this.caption.append(key('up'), this.upText, ' ', key('down'), this.downText, this.peakText);
    this.element.append(svg, this.caption);
    this.render();
  }

  /** One `traffic` event: upstream sent is what reached the server, downstream sent what reached the client. */
  sample(upSent: number, downSent: number, at: number): void {
    if (this.last !== undefined && at > this.last.at) {
      const seconds = (at - this.last.at) / 1000;
      // A proxy replaced under the same name starts its counters again from zero.
      this.push(this.up, Math.max(0, upSent - this.last.up) / seconds);
      this.push(this.down, Math.max(0, downSent - this.last.down) / seconds);
    }
    this.last = { up: upSent, down: downSent, at };
    this.render();
  }

  private push(series: number[], value: number): void {
    series.push(value);
    if (series.length > SAMPLES) series.shift();
  }

  private render(): void {
    const max = Math.max(1, ...this.up, ...this.down);
    this.upLine.setAttribute('points', polyline(this.up, max));
    this.downLine.setAttribute('points', polyline(this.down, max));
    const up = this.up.at(-1) ?? 0;
    const down = this.down.at(-1) ?? 0;
    this.element.dataset.up = String(Math.round(up));
    this.element.dataset.down = String(Math.round(down));
    this.element.dataset.peak = String(Math.round(max));
    this.upText.textContent = ` ↑ to upstream ${formatBytes(up)}/s`;
    this.downText.textContent = ` ↓ to client ${formatBytes(down)}/s`;
    this.peakText.textContent = ` · peak ${formatBytes(max)}/s over the last ${SAMPLES / 60} min`;
  }
}

/** One series of a run chart: its values, its own scale (rate, errors and p99 differ in unit), its text. */
export interface Series {
  cls: string;
  values: readonly number[];
  text: string;
}

/**
 * An experiment run's load over time: one line per series, each scaled to its own peak, and
 * the current figures as text (for screen readers, and because the lines share no scale).
 */
export class RunChart {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly caption = document.createElement('figcaption');

  constructor(label: string) {
    this.element = document.createElement('figure');
    this.element.className = 'chart run-chart';
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${SAMPLES} ${HEIGHT}`);
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('aria-hidden', 'true');
    this.caption.setAttribute('aria-label', `${label} load`);
    this.element.append(this.svg, this.caption);
  }

  render(series: readonly Series[]): void {
    // A run's whole history across the width (the server keeps its last five minutes), not a
    // fixed window: a short run would otherwise be a few pixels at the right edge.
    const n = Math.max(2, ...series.map((s) => s.values.length));
    this.svg.setAttribute('viewBox', `0 0 ${n - 1} ${HEIGHT}`);
    this.svg.replaceChildren(
      ...series.map((s) => {
        const l = line(s.cls);
        l.setAttribute('points', polyline(s.values, Math.max(1e-9, ...s.values), n));
        return l;
      }),
    );
    this.caption.replaceChildren(
      ...series.flatMap((s) => {
        const key = document.createElement('span');
        key.className = `key ${s.cls}`;
        key.setAttribute('aria-hidden', 'true');
        return [key, ` ${s.text} `];
      }),
    );
  }
}

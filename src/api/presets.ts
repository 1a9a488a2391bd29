import { ApiError } from './errors.js';
import type { Stream, ToxicSpec } from './toxic.js';

/**
 * Network presets: named profiles of a real link, composed of Toxiproxy's own toxics and applied
 * and removed as one group. Figures come from published tables (see docs/presets.md):
 * Chrome DevTools' throttling profiles and comcast's "Network Condition Profiles".
 *
 * A round-trip latency is split in half over the two directions, so a request and its answer
 * together gain the whole figure. Bandwidth is per direction: downstream is the download,
 * upstream the upload. A TCP proxy cannot drop a packet (the kernels would retransmit it), so a
 * source's packet loss is rendered as what an application sees of it: jitter and short reads.
 */
export interface PresetFigures {
  /** Round-trip time added, in ms. */
  rtt_ms: number;
  /** Variation of each direction's delay, plus or minus, in ms. */
  jitter_ms: number;
  /** KB/s (1 KB = 1000 bytes) towards the client; null when the source gives no limit. */
  down_kbps: number | null;
  /** KB/s from the client; null when the source gives no limit. */
  up_kbps: number | null;
  /** Average slice size in bytes, when data is cut into small reads; null when not. */
  slice_bytes: number | null;
  /** Packet loss of the source, in percent, for reference (see above). */
  loss_percent: number | null;
}

export interface PresetDefinition {
  readonly name: string;
  readonly description: string;
  /** Where the figures come from, in a few words, with the table's own row name. */
  readonly source: string;
  readonly figures: PresetFigures;
}

export interface PresetJson extends PresetDefinition {
  /** The toxics it adds, in order, with the names they get on the proxy. */
  toxics: ToxicSpec[];
}

/** What applying a preset answers: the preset and the toxics now on the proxy for it. */
export interface PresetApplyJson {
  preset: string;
  proxy: string;
  toxics: string[];
}

const none = { jitter_ms: 0, slice_bytes: null, loss_percent: null };

export const presetDefinitions: readonly PresetDefinition[] = [
  {
    name: '3g',
    description: 'a slow mobile link: Chrome DevTools\' "3G" (formerly "Slow 3G")',
    source: 'Chrome DevTools "3G": 400 ms × 5 latency, 500 kbit/s × 0.8 down and up',
    figures: { ...none, rtt_ms: 2000, down_kbps: 50, up_kbps: 50 },
  },
  {
    name: 'slow-4g',
    description: 'a fair mobile link: Chrome DevTools\' "Slow 4G" (formerly "Fast 3G")',
    source: 'Chrome DevTools "Slow 4G": 150 ms × 3.75 latency, 1.6 Mbit/s × 0.9 down, 750 kbit/s × 0.9 up',
    figures: { ...none, rtt_ms: 562, down_kbps: 180, up_kbps: 84 },
  },
  {
    name: '4g',
    description: 'a good mobile link: Chrome DevTools\' "Fast 4G"',
    source: 'Chrome DevTools "Fast 4G": 60 ms × 2.75 latency, 9 Mbit/s × 0.9 down, 1.5 Mbit/s × 0.9 up',
    figures: { ...none, rtt_ms: 165, down_kbps: 1012, up_kbps: 168 },
  },
  {
    name: 'edge',
    description: 'a 2.5G mobile link',
    source: 'comcast "EDGE (good)": 300 ms, 250 kbit/s, 1.5 % loss',
    figures: { ...none, rtt_ms: 300, down_kbps: 31, up_kbps: 31, loss_percent: 1.5 },
  },
  {
    name: 'satellite',
    description: 'a geostationary satellite link: long delay, bandwidth not limited',
    source: 'comcast "Satellite": 1500 ms, no bandwidth given, 0.2 % loss',
    figures: { ...none, rtt_ms: 1500, down_kbps: null, up_kbps: null, loss_percent: 0.2 },
  },
  {
    name: 'lossy-wifi',
    description: 'a busy Wi-Fi link: its loss felt as jitter and short reads',
    source: 'comcast "WIFI (good)": 40 ms, 30000 kbit/s; loss rendered as ±20 ms jitter and 1460-byte slices',
    figures: { rtt_ms: 40, jitter_ms: 20, down_kbps: 3750, up_kbps: 3750, slice_bytes: 1460, loss_percent: 0.2 },
  },
  {
    name: 'dsl',
    description: 'a home DSL line',
    source: 'comcast "DSL (good)": 40 ms, 8000 kbit/s, 0.5 % loss',
    figures: { ...none, rtt_ms: 40, down_kbps: 1000, up_kbps: 1000, loss_percent: 0.5 },
  },
  {
    name: 'offline',
    description: 'no network: connections open, but nothing gets through either way',
    source: 'Chrome DevTools "Offline"; as a TCP proxy can render it: every byte dropped, connections held',
    figures: { rtt_ms: 0, jitter_ms: 0, down_kbps: 0, up_kbps: 0, slice_bytes: null, loss_percent: 100 },
  },
];

export const PRESET_NAMES = presetDefinitions.map((p) => p.name);

/** Every toxic a preset adds is named with this prefix, so the group can be found and removed. */
export const presetToxicPrefix = (preset: string): string => `preset_${preset}_`;

/** The toxics of a preset, in the order they act: delay, then rate, then slicing. */
export function presetToxics(preset: PresetDefinition): ToxicSpec[] {
  const f = preset.figures;
  const prefix = presetToxicPrefix(preset.name);
  const toxics: ToxicSpec[] = [];
  const streams: [Stream, number | null][] = [['downstream', f.down_kbps], ['upstream', f.up_kbps]];
  if (preset.name === 'offline') {
    for (const [stream] of streams) toxics.push({ type: 'timeout', name: `${prefix}timeout_${stream}`, stream, attributes: { timeout: 0 } });
    return toxics;
  }
  for (const [stream, rate] of streams) {
    // The round trip is split over the two directions: half each, rounded so the sum stays whole.
    const latency = stream === 'downstream' ? Math.ceil(f.rtt_ms / 2) : Math.floor(f.rtt_ms / 2);
    if (latency > 0 || f.jitter_ms > 0) {
      toxics.push({ type: 'latency', name: `${prefix}latency_${stream}`, stream, attributes: { latency, jitter: f.jitter_ms } });
    }
    if (rate !== null) toxics.push({ type: 'bandwidth', name: `${prefix}bandwidth_${stream}`, stream, attributes: { rate } });
    if (f.slice_bytes !== null) {
      toxics.push({
        type: 'slicer',
        name: `${prefix}slicer_${stream}`,
        stream,
        attributes: { average_size: f.slice_bytes, size_variation: Math.round(f.slice_bytes / 2), delay: 0 },
      });
    }
  }
  return toxics;
}

export function presetJson(preset: PresetDefinition): PresetJson {
  return { ...preset, toxics: presetToxics(preset) };
}

export const presetNotFound = (name: string): ApiError =>
  new ApiError(404, 'PRESET_NOT_FOUND', `preset not found: ${JSON.stringify(name)}; presets: ${PRESET_NAMES.join(', ')}`);

export function findPreset(name: string): PresetDefinition {
  const preset = presetDefinitions.find((p) => p.name === name.toLowerCase());
  if (preset === undefined) throw presetNotFound(name);
  return preset;
}

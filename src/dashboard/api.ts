/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { FaultlineEvent } from '../api/events.js';

/**
 * The dashboard's calls: the public API's routes under /ui/api/, with the per-server secret the
 * page was served with and, when the server has one, the API token the user typed.
 */
const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
const secret = meta('faultline-secret');
export const tokenRequired = meta('faultline-token') === 'on';
const TOKEN_KEY = 'faultline-api-token';

export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(json: boolean): Record<string, string> {
  const out: Record<string, string> = { 'X-Faultline-Dashboard': secret };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token !== null) out.Authorization = `Bearer ${token}`;
  if (json) out['Content-Type'] = 'application/json';
  return out;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/ui/api${path}`, {
    method,
    headers: headers(body !== undefined),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.trim() || `HTTP ${res.status}`;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // plain text answer: shown as it is
    }
    throw new ApiFailure(res.status, message);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * Reads /events (with traffic samples) through fetch rather than EventSource, which cannot send
 * the secret or the token; reconnects after a drop and says so through `onState`.
 */
export async function followEvents(onEvent: (event: FaultlineEvent) => void, onState: (live: boolean) => void): Promise<never> {
  for (;;) {
    try {
      const res = await fetch('/ui/api/events?traffic=true', { headers: headers(false) });
      if (!res.ok || res.body === null) throw new ApiFailure(res.status, `events: HTTP ${res.status}`);
      onState(true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data !== '') onEvent(JSON.parse(data) as FaultlineEvent);
        }
      }
    } catch {
      // dropped or refused: shown as not live, tried again below
    }
    onState(false);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ToxicTypeJson } from '../api/toxic-types.js';
import type { ToxicJson } from '../api/toxic.js';
import { ApiFailure, call } from './api.js';
import { h, replace, uid } from './dom.js';

/** The part of JSON Schema the forms use; anything else becomes a JSON text field. */
interface Schema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
}

type Read = () => { value: unknown } | { error: string } | undefined;

interface Field {
  path: string;
  wrapper: HTMLElement;
  error: HTMLElement;
  read: Read;
}

function fieldShell(path: string, label: string, hint: string | undefined, control: HTMLElement): Field & { control: HTMLElement } {
  const id = uid('f');
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  control.id = id;
  control.setAttribute('aria-describedby', `${hint === undefined ? '' : `${hintId} `}${errorId}`);
  const error = h('span', { class: 'error', id: errorId });
  const wrapper = h(
    'div',
    { class: 'field', 'data-field': path },
    h('label', { for: id }, label),
    control,
    hint === undefined ? null : h('small', { id: hintId }, hint),
    error,
  );
  return { path, wrapper, error, control, read: () => undefined };
}

/** One control for one attribute, chosen by its schema. */
function attributeField(name: string, schema: Schema, current: unknown): Field {
  const path = `attributes.${name}`;
  const hint = [schema.description, schema.default === undefined ? undefined : `default ${JSON.stringify(schema.default)}`]
    .filter((x) => x !== undefined)
    .join('; ');
  const has = current !== undefined;
  if (schema.type === 'integer' || schema.type === 'number') {
    const input = h('input', { type: 'number', step: schema.type === 'integer' ? 1 : 'any', inputmode: 'decimal', name: path });
    if (has) input.value = String(current);
    const f = fieldShell(path, name, hint, input);
    f.read = () => (input.value.trim() === '' ? undefined : { value: Number(input.value) });
    return f;
  }
  if (schema.type === 'boolean') {
    const input = h('input', { type: 'checkbox', name: path });
    input.checked = has ? current === true : schema.default === true;
    const f = fieldShell(path, name, hint, input);
    f.wrapper.classList.add('check');
    // Sent only when it says something: a protocol's flag left at its default on another
    // protocol's proxy is not an error to provoke.
    f.read = () => (has || input.checked !== (schema.default === true) ? { value: input.checked } : undefined);
    return f;
  }
  if (schema.enum !== undefined) {
    const select = h('select', { name: path }, h('option', { value: '' }, '(default)'), ...schema.enum.map((v) => h('option', { value: String(v) }, String(v))));
    if (has) select.value = String(current);
    const f = fieldShell(path, name, hint, select);
    f.read = () => (select.value === '' ? undefined : { value: select.value });
    return f;
  }
  const stringy = schema.type === 'string' || (schema.anyOf?.some((s) => s.type === 'string') ?? false);
  if (stringy && schema.type === 'string') {
    const input = h('input', { type: 'text', name: path });
    if (has) input.value = String(current);
    const f = fieldShell(path, name, hint, input);
    f.read = () => (input.value === '' ? undefined : { value: input.value });
    return f;
  }
  // Lists, maps and either-or values: JSON, or plain text where a string is one of the choices.
  const area = h('textarea', { rows: 1, name: path, spellcheck: 'false' });
  if (has) area.value = typeof current === 'string' ? current : JSON.stringify(current);
  const f = fieldShell(path, name, `${hint}${hint === '' ? '' : '; '}JSON${stringy ? ' or text' : ''}`, area);
  f.read = () => {
    const text = area.value.trim();
    if (text === '') return undefined;
    if (stringy && !/^[[{"\d-]|^(true|false|null)$/.test(text)) return { value: text };
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (err) {
      return { error: `not JSON: ${(err as Error).message}` };
    }
  };
  return f;
}

export interface ToxicFormOptions {
  proxy: string;
  protocol: string;
  types: readonly ToxicTypeJson[];
  /** Editing this toxic; otherwise a new one. */
  existing?: ToxicJson;
  onDone: () => void;
}

/**
 * A form for a toxic, generated from the server's schemas for its type, so a new type needs no
 * work here. Values are checked by the server, whose message appears beside the field it names.
 */
export function toxicForm(options: ToxicFormOptions): HTMLFormElement {
  const { existing } = options;
  const usable = options.types.filter((t) => t.level === 'stream' || options.protocol !== 'tcp');
  const typeSelect = h('select', { name: 'type', disabled: existing !== undefined }, ...usable.map((t) => h('option', { value: t.type }, t.type)));
  typeSelect.value = existing?.type ?? 'latency';
  const explanation = h('p', { class: 'explain' });
  const nameInput = h('input', { type: 'text', name: 'name', placeholder: '<type>_<stream>', disabled: existing !== undefined });
  if (existing !== undefined) nameInput.value = existing.name;
  const streamSelect = h('select', { name: 'stream', disabled: existing !== undefined }, h('option', { value: 'downstream' }, 'downstream (to the client)'), h('option', { value: 'upstream' }, 'upstream (to the server)'));
  if (existing !== undefined) streamSelect.value = existing.stream.toLowerCase();
  const toxicityInput = h('input', { type: 'number', step: 'any', name: 'toxicity', inputmode: 'decimal' });
  toxicityInput.value = String(existing?.toxicity ?? 1);

  const fixed: Field[] = [
    { ...fieldShell('type', 'type', undefined, typeSelect), read: () => ({ value: typeSelect.value }) },
    { ...fieldShell('name', 'name', existing === undefined ? 'default: <type>_<stream>' : undefined, nameInput), read: () => (nameInput.value === '' ? undefined : { value: nameInput.value }) },
    { ...fieldShell('stream', 'stream', undefined, streamSelect), read: () => ({ value: streamSelect.value }) },
    { ...fieldShell('toxicity', 'toxicity', 'probability it applies to a connection, 0 to 1', toxicityInput), read: () => (toxicityInput.value === '' ? undefined : { value: Number(toxicityInput.value) }) },
  ];
  const attributeBox = h('div', { class: 'attributes' });
  let attributeFields: Field[] = [];
  const formError = h('p', { class: 'error', role: 'alert' });

  const build = (): void => {
    const info = usable.find((t) => t.type === typeSelect.value);
    explanation.textContent = info === undefined ? '' : `${info.type}: ${info.explanation}${info.level === 'request' ? ' (per request)' : ''}`;
    const props = (info?.schema as Schema | undefined)?.properties ?? {};
    const required = new Set(info?.required ?? []);
    attributeFields = Object.entries(props).map(([name, schema]) => attributeField(name, schema, existing?.attributes[name]));
    const main = attributeFields.filter((f) => required.has(f.path.slice('attributes.'.length)));
    const more = attributeFields.filter((f) => !main.includes(f));
    replace(
      attributeBox,
      ...main.map((f) => f.wrapper),
      more.length === 0 ? null : h('details', { open: existing !== undefined && main.length === 0 }, h('summary', {}, `More settings (${more.length})`), ...more.map((f) => f.wrapper)),
    );
  };
  typeSelect.addEventListener('change', build);
  build();

  const all = (): Field[] => [...fixed, ...attributeFields];
  const clearErrors = (): void => {
    formError.textContent = '';
    for (const f of all()) {
      f.error.textContent = '';
      f.wrapper.querySelector('[aria-invalid]')?.removeAttribute('aria-invalid');
    }
  };
  const showError = (path: string, message: string): void => {
    const field = all().find((f) => f.path === path) ?? all().find((f) => path.startsWith(`${f.path}.`));
    if (field === undefined) {
      formError.textContent = message;
      return;
    }
    field.error.textContent = message;
    const control = field.wrapper.querySelector('input, select, textarea');
    control?.setAttribute('aria-invalid', 'true');
    (control as HTMLElement | null)?.focus();
  };

  const form = h(
    'form',
    { class: 'toxic-form', novalidate: true, 'aria-label': existing === undefined ? `Add a toxic to ${options.proxy}` : `Edit toxic ${existing.name}` },
    explanation,
    h('div', { class: 'row' }, ...fixed.map((f) => f.wrapper)),
    attributeBox,
    formError,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, existing === undefined ? 'Add toxic' : 'Save'), h('button', { type: 'button', class: 'secondary', onclick: () => options.onDone() }, 'Cancel')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors();
    const body: Record<string, unknown> = {};
    const attributes: Record<string, unknown> = {};
    for (const f of all()) {
      const got = f.read();
      if (got === undefined) continue;
      if ('error' in got) return showError(f.path, got.error);
      if (f.path.startsWith('attributes.')) attributes[f.path.slice('attributes.'.length)] = got.value;
      else body[f.path] = got.value;
    }
    body.attributes = attributes;
    const path = `/proxies/${encodeURIComponent(options.proxy)}/toxics`;
    const request =
      existing === undefined
        ? call('POST', path, body)
        : call('POST', `${path}/${encodeURIComponent(existing.name)}`, { toxicity: body.toxicity, attributes });
    request.then(
      () => options.onDone(),
      (err: unknown) => {
        const message = err instanceof ApiFailure ? err.message : String(err);
        // The server names the field first: `bad request body: attributes.latency: expected …`.
        const detail = message.replace(/^bad request body: /, '');
        const m = /^([A-Za-z_][\w.]*): (.*)$/s.exec(detail);
        if (m !== null) showError(m[1] as string, m[2] as string);
        else if (/stream/.test(detail)) showError('stream', detail);
        else if (/toxic type/.test(detail)) showError('type', detail);
        else if (/toxic already exists/.test(detail)) showError('name', detail);
        else formError.textContent = message;
      },
    );
  });
  return form;
}

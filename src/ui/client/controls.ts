// The controls: each button POSTs one API call (no logic of its own) and writes the answer or `CODE: message` into the
// page's `[data-result]`, without reloading. Invalid JSON typed in a data box is reported there too, and not sent.
import type { StartResult } from '../../task/lifecycle.js';
import type { StopResult } from '../../run/stop.js';
import type { RunRecord, TaskRow } from '../pages/types.js';
import { ApiError, post } from './api.js';
import { $ } from './dom.js';

/** A line of result: text and links. */
type Part = string | { href: string; text: string };

/** Told what a control answered: the row of enable/disable (the table updates at once), or that a run changed. */
export interface ControlSinks {
  row(row: TaskRow): void;
  run(runId: string): void;
}

function resultBox(from: Element): HTMLElement | null {
  return $('[data-result]', from.closest('[data-controls]') ?? document) ?? $('[data-result]');
}

/** Writes a result (`ok`) or an error (`CODE: message`) into the result box nearest `from`. */
export function showResult(from: Element, status: 'ok' | 'error', parts: readonly Part[]): void {
  const box = resultBox(from);
  if (box === null) return;
  box.replaceChildren(...parts.map((p) => {
    if (typeof p === 'string') return p;
    const a = document.createElement('a');
    a.href = p.href;
    a.textContent = p.text;
    return a;
  }));
  box.setAttribute('data-result-status', status);
}

function inputOf(from: Element, name: string): HTMLInputElement | HTMLTextAreaElement | null {
  return $<HTMLInputElement | HTMLTextAreaElement>(`[data-input="${name}"]`, from.closest('[data-controls]') ?? document);
}

/** The JSON typed in a box: `undefined` when empty; throws `ERR_INVALID_PAYLOAD` when it is not JSON. */
export function typedJson(what: string, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError('ERR_INVALID_PAYLOAD', `Expected \`${what}\` to be JSON, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} (${(error as Error).message})`);
  }
}

const runLink = (id: string): Part => ({ href: `/runs/${encodeURIComponent(id)}`, text: id });
const taskPath = (name: string, action: string): string => `/api/tasks/${encodeURIComponent(name)}/${action}`;
const runPath = (id: string, action: string): string => `/api/runs/${encodeURIComponent(id)}/${action}`;

async function taskAction(button: HTMLElement, action: string, name: string, sinks: ControlSinks): Promise<Part[]> {
  if (action === 'start' || action === 'restart' || action === 'stop') {
    const r = await post<StartResult | StopResult>(taskPath(name, action));
    return [`${action} ${name}: ${r.result}${r.pid === null ? '' : ` (pid ${r.pid})`}`];
  }
  if (action === 'enable' || action === 'disable') {
    const row = await post<TaskRow>(taskPath(name, action));
    sinks.row(row);
    return [`${name}: ${row.enabled ? 'enabled' : 'disabled'}`];
  }
  const box = inputOf(button, 'data');
  const data = box === null ? undefined : typedJson('data', box.value);
  const { runId } = await post<{ runId: string }>(taskPath(name, 'run'), JSON.stringify(data === undefined ? {} : { data }));
  return [`run ${name}: `, runLink(runId)];
}

async function runAction(button: HTMLElement, action: string, id: string, sinks: ControlSinks): Promise<Part[]> {
  if (action === 'cancel') {
    const run = await post<RunRecord>(runPath(id, 'cancel'));
    sinks.run(id);
    return ['cancel ', runLink(id), `: ${run.status}`];
  }
  const name = inputOf(button, 'name')?.value ?? '';
  const description = inputOf(button, 'description')?.value ?? '';
  const run = await post<RunRecord>(runPath(id, 'save'), JSON.stringify(description === '' ? { name } : { name, description }));
  sinks.run(id);
  return ['saved ', runLink(id), ` as "${run.saved?.name ?? name}"`];
}

async function emit(button: HTMLElement): Promise<Part[]> {
  const type = (inputOf(button, 'event-type')?.value ?? '').trim();
  if (type === '') throw new ApiError('ERR_INVALID_OPTION', 'Expected `type` to be a non-empty event type, got ""');
  const payload = inputOf(button, 'event-payload')?.value ?? '';
  typedJson('payload', payload);
  const runIds = await post<string[]>(`/api/events/${encodeURIComponent(type)}`, payload.trim() === '' ? undefined : payload);
  const links = runIds.flatMap((id, i) => (i === 0 ? [runLink(id)] : [', ', runLink(id)]));
  return [`event ${type}: ${runIds.length} run${runIds.length === 1 ? '' : 's'}${runIds.length === 0 ? '' : ' '}`, ...links];
}

async function act(button: HTMLElement, sinks: ControlSinks): Promise<Part[]> {
  const action = button.dataset.action ?? '';
  if (action === 'emit') return emit(button);
  if (button.dataset.run !== undefined) return runAction(button, action, button.dataset.run, sinks);
  return taskAction(button, action, button.dataset.task ?? '', sinks);
}

/**
 * Handles every `button[data-action]` click on the page (event delegation: rows re-rendered live keep working).
 * @example `wireControls({ row: (r) => table.upsert(r), run: () => undefined })`
 */
export function wireControls(sinks: ControlSinks): void {
  document.addEventListener('click', (event) => {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-action]');
    if (!button || button.disabled) return;
    button.disabled = true;
    act(button, sinks).then(
      (parts) => showResult(button, 'ok', parts),
      (error: unknown) => showResult(button, 'error', [error instanceof ApiError ? `${error.code}: ${error.message}` : `ERR_CLIENT: ${String(error)}`]),
    ).finally(() => { button.disabled = false; });
  });
}

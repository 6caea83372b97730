// A run page ('/runs/:runId'): its facts, its steps with status badges, each step's output inline, cancel and save.
import { EMPTY_CELL, formatElapsed, formatRunExit, formatStamp } from '../../display/format.js';
import { neverStarted } from '../../display/run-view.js';
import { pageHtml } from './layout.js';
import { actionButton, badgeHtml, escapeHtml, lineSpans, RESULT_HTML, runLink, taskLink } from './markup.js';
import type { PageContext, RunOutputs, RunRecord } from './types.js';
import type { StepRecord } from '../../store/records.js';

function dataText(data: unknown): string {
  if (data === null || data === undefined) return EMPTY_CELL;
  const text = JSON.stringify(data);
  return text === undefined ? EMPTY_CELL : text;
}

/** `<dl data-run-facts>`: task, status, trigger, times, exit, attempt, data, saved mark, error message. */
export function runFactsHtml(run: RunRecord, now: number): string {
  const started = !neverStarted(run);
  const cell = (k: string, html: string): string => `<div><dt>${k}</dt><dd>${html}</dd></div>`;
  const text = (k: string, v: string): string => cell(k, escapeHtml(v));
  return '<dl data-run-facts class="facts">' + cell('run', runLink(run.runId)) + cell('task', taskLink(run.task)) + cell('status', badgeHtml(run.status))
    + text('trigger', run.event === null ? run.trigger : `${run.trigger} (${run.event})`)
    + text('started', started ? formatStamp(run.startedAt) : EMPTY_CELL) + text('ended', formatStamp(run.endedAt))
    + text('duration', started ? formatElapsed(run.startedAt, run.endedAt, now) : EMPTY_CELL) + text('exit', formatRunExit(run))
    + text('attempt', run.step === null ? EMPTY_CELL : `step ${run.step + 1}, retry ${run.stepRetryCount}`) + text('data', dataText(run.data))
    + text('saved', run.saved === null ? EMPTY_CELL : `${run.saved.name}${run.saved.description === null ? '' : ` — ${run.saved.description}`}`)
    + `<div class="wide"><dt>error</dt><dd class="error" data-error-message>${escapeHtml(run.errorMessage ?? EMPTY_CELL)}</dd></div></dl>`;
}

function stepRow(run: RunRecord, step: StepRecord, index: number, now: number): string {
  const error = run.step === index && (step.status === 'failed' || step.status === 'running') ? run.errorMessage ?? '' : '';
  return `<tr data-step="${escapeHtml(step.name)}" data-status="${escapeHtml(step.status)}"><td>${escapeHtml(step.name)}</td><td>${badgeHtml(step.status)}</td>`
    + `<td>${escapeHtml(formatStamp(step.startedAt))}</td><td>${escapeHtml(formatStamp(step.endedAt))}</td>`
    + `<td class="num">${escapeHtml(formatElapsed(step.startedAt, step.endedAt, now))}</td><td class="num">${escapeHtml(formatRunExit({ ...step, exitUnknown: false }))}</td>`
    + `<td class="num">${step.retries}</td><td class="error">${escapeHtml(error)}</td></tr>`;
}

/** `<table data-steps>` of a program run's steps (hidden and empty for a script run). */
export function stepsTableHtml(run: RunRecord, now: number): string {
  if (run.steps.length === 0) return '<table data-steps hidden></table>';
  const head = '<thead><tr><th>Step</th><th>Status</th><th>Started</th><th>Ended</th><th>Duration</th><th>Exit</th><th>Retries</th><th>Error</th></tr></thead>';
  return `<table data-steps>${head}<tbody>${run.steps.map((s, i) => stepRow(run, s, i, now)).join('')}</tbody></table>`;
}

/** `<section data-run-outputs>`: each step's output (`<pre data-step-output>`), or a script run's (`<pre data-output>`). */
export function runOutputsHtml(run: RunRecord, outputs: RunOutputs): string {
  let html: string;
  if (run.steps.length > 0) {
    const steps = 'steps' in outputs ? outputs.steps : {};
    html = run.steps.map((s) => `<h3>${escapeHtml(s.name)}</h3><pre data-step-output="${escapeHtml(s.name)}" class="out">${lineSpans(steps[s.name] ?? [])}</pre>`).join('');
  } else {
    html = `<pre data-output class="out">${lineSpans('lines' in outputs ? outputs.lines : [])}</pre>`;
  }
  return `<section data-run-outputs><h2>Output</h2>${html}</section>`;
}

function controlsHtml(run: RunRecord): string {
  const r = { run: run.runId };
  return `<section class="controls" data-controls><div class="form-row">${actionButton('cancel', r)}</div><div class="form-row">`
    + `<input data-input="name" name="name" placeholder="name" aria-label="Saved name" value="${escapeHtml(run.saved?.name ?? '')}">`
    + `<input data-input="description" name="description" placeholder="description" aria-label="Description" value="${escapeHtml(run.saved?.description ?? '')}">`
    + `${actionButton('save', r)}</div>${RESULT_HTML}</section>`;
}

/**
 * The run page.
 * @example `renderRunPage(ctx, await ex.getRun(id), { lines: await ex.readOut('job', 200, { run: id }) })`
 */
export function renderRunPage(ctx: PageContext, run: RunRecord, outputs: RunOutputs): string {
  const id = escapeHtml(run.runId);
  const main = `<h1>Run <span class="mono">${id}</span> of ${taskLink(run.task)}</h1>${runFactsHtml(run, ctx.now)}`
    + `${ctx.readOnly ? '' : controlsHtml(run)}${stepsTableHtml(run, ctx.now)}${runOutputsHtml(run, outputs)}`;
  return pageHtml(ctx, { page: 'run', title: `Run ${run.runId}`, main, bodyAttrs: `data-run="${id}" data-run-status="${escapeHtml(run.status)}" data-run-task="${escapeHtml(run.task)}"` });
}

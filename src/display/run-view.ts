// The view of one run record (`ex.getRun(id)`): its key facts as a two-column table and, for a program, its steps.
// Attached to the record as non-enumerable symbol methods, so the record stays the plain object it was (JSON, equality).
import type { RunRecord, StepRecord } from '../store/records.js';
import { EMPTY_CELL, formatElapsed, formatRunExit, formatStamp } from './format.js';
import { badge, htmlTable } from './html.js';
import { INSPECT_CUSTOM, JUPYTER_DISPLAY, type MimeBundle } from './mime.js';
import { textTable } from './text.js';

/** Header words of a program run's steps table. */
export const STEP_VIEW_HEADERS = ['STEP', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'RETRIES'] as const;

/** True for a run that never started a process (queued, or dropped from the queue): no start, duration or exit. */
export function neverStarted(run: RunRecord): boolean {
  return run.status === 'queued' || (run.pid === 0 && run.bootId === '');
}

/** The run's facts, in order: `[key, value]`, values printable (`-` when there is none). */
export function runFacts(run: RunRecord, now: number): [string, string][] {
  const started = !neverStarted(run);
  return [
    ['run', run.runId], ['task', run.task], ['status', run.status], ['trigger', run.trigger],
    ['started', started ? formatStamp(run.startedAt) : EMPTY_CELL],
    ['duration', started ? formatElapsed(run.startedAt, run.endedAt, now) : EMPTY_CELL],
    ['exit', run.endedAt === null ? EMPTY_CELL : formatRunExit(run)],
    ['error', run.errorMessage ?? EMPTY_CELL],
  ];
}

/** One step's printable cells: name, status, started, duration, exit, retries. */
export type StepCells = [string, string, string, string, string, string];

/** One step as printable cells, in {@link STEP_VIEW_HEADERS} order. */
export function stepCells(step: StepRecord, now: number): StepCells {
  return [step.name, step.status, formatStamp(step.startedAt), formatElapsed(step.startedAt, step.endedAt, now), formatRunExit({ ...step, exitUnknown: false }), String(step.retries)];
}

/** The run as HTML (facts, then its steps with badges) and text. */
export function runBundle(run: RunRecord, now: number): MimeBundle {
  const facts = runFacts(run, now);
  const steps = run.steps.map((s) => stepCells(s, now));
  const factsHtml = htmlTable(['', ''], facts.map(([k, v]) => [k, k === 'status' ? { html: badge(v) } : v]));
  const stepsHtml = steps.length === 0 ? '' : htmlTable(STEP_VIEW_HEADERS, steps.map((c) => c.map((v, i) => (i === 1 ? { html: badge(v) } : v))));
  const text = [textTable(['', ''], facts).split('\n').slice(1).join('\n'), ...(steps.length === 0 ? [] : ['', textTable(STEP_VIEW_HEADERS, steps)])];
  return { 'text/html': `<div>${factsHtml}${stepsHtml === '' ? '' : `<div style="height:6px"></div>${stepsHtml}`}</div>`, 'text/plain': text.join('\n') };
}

/**
 * Gives a run record its notebook and REPL views (non-enumerable: JSON and equality see the same plain record).
 * @example `const run = withRunView(await getRun(rt, id), Date.now)`
 */
export function withRunView<T extends RunRecord>(run: T, now: () => number): T {
  Object.defineProperty(run, JUPYTER_DISPLAY, { value: () => runBundle(run, now()), enumerable: false, configurable: true });
  Object.defineProperty(run, INSPECT_CUSTOM, { value: () => runBundle(run, now())['text/plain'], enumerable: false, configurable: true });
  return run;
}


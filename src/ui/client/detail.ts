// The live task and run pages: on a change of their task, the badge and facts update at once, and the task's detail
// (`GET /api/tasks/:name`) or the run (`GET /api/runs/:id`, then its outputs) is fetched again and re-rendered.
import { historyChartHtml } from '../pages/chart.js';
import { runFactsHtml, runOutputsHtml, stepsTableHtml } from '../pages/run.js';
import { decisionsHtml, nextRunsHtml, runsTableHtml, settingsHtml } from '../pages/task-parts.js';
import { taskBadgeHtml, taskFactsHtml } from '../pages/task.js';
import type { RunOutputs, RunRecord, TaskDetail, TaskRow } from '../pages/types.js';
import { getJson } from './api.js';
import { replaceSelector } from './dom.js';

/** Wait after a change before fetching, so a burst of changes costs one request. */
export const REFETCH_DELAY_MS = 80;

/** Runs `load` once after a burst of `schedule()` calls, never two at a time (a call during a load queues one more). */
export function coalesce(load: () => Promise<void>): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let again = false;
  const fire = (): void => {
    timer = null;
    if (running) { again = true; return; }
    running = true;
    load().catch(() => undefined).finally(() => {
      running = false;
      if (again) { again = false; fire(); }
    });
  };
  return () => { timer ??= setTimeout(fire, REFETCH_DELAY_MS); };
}

/** The task page: `row` is its latest table row. */
export function taskPage(name: string): (row: TaskRow) => void {
  const refetch = coalesce(async () => {
    const detail = await getJson<TaskDetail>(`/api/tasks/${encodeURIComponent(name)}`);
    const now = Date.now();
    replaceSelector('[data-settings]', settingsHtml(detail.task));
    replaceSelector('[data-next-runs]', nextRunsHtml(detail.nextRuns, now));
    replaceSelector('[data-chart="history"]', historyChartHtml(detail.runs, now));
    replaceSelector('[data-runs]', runsTableHtml(detail.runs, now));
    replaceSelector('[data-decisions]', decisionsHtml(detail.decisions, new Set([detail.task.name])));
  });
  return (row) => {
    const now = Date.now();
    replaceSelector('h1 [data-badge]', taskBadgeHtml(row));
    replaceSelector('[data-facts]', taskFactsHtml(row, now));
    refetch();
  };
}

async function outputsOf(run: RunRecord): Promise<RunOutputs> {
  const read = (step?: string): Promise<string[]> => {
    const q = new URLSearchParams({ n: '200', run: run.runId, ...(step === undefined ? {} : { step }) });
    return getJson<string[]>(`/api/tasks/${encodeURIComponent(run.task)}/out?${q}`).catch(() => []);
  };
  if (run.steps.length === 0) return { lines: await read() };
  const pairs = await Promise.all(run.steps.map(async (s) => [s.name, s.status === 'pending' || s.status === 'unprocessed' ? [] : await read(s.name)] as const));
  return { steps: Object.fromEntries(pairs) };
}

/**
 * The run page: fetches the run again when its task changes (until it has ended), or when `force` is set (after a
 * control), and re-renders its facts, steps and outputs.
 */
export function runPage(runId: string): (force?: boolean) => void {
  let last = '';
  let ended = false;
  const refetch = coalesce(async () => {
    if (ended) return;
    const run = await getJson<RunRecord>(`/api/runs/${encodeURIComponent(runId)}`);
    const now = Date.now();
    const json = JSON.stringify(run);
    if (json !== last) {
      last = json;
      document.body.dataset.runStatus = run.status;
      replaceSelector('[data-run-facts]', runFactsHtml(run, now));
      replaceSelector('[data-steps]', stepsTableHtml(run, now));
    }
    replaceSelector('[data-run-outputs]', runOutputsHtml(run, await outputsOf(run)));
    ended = run.endedAt !== null && run.status !== 'running' && run.status !== 'queued';
  });
  return (force = false) => {
    if (force) ended = false;
    if (!ended) refetch();
  };
}

// A task page ('/tasks/:name'): its state, controls, settings, next fire times, run history with a chart, decisions.
import { formatCpu, formatExit, formatUptime } from '../../display/format.js';
import { formatSize, nextRunText, taskStatus } from '../../display/status.js';
import { historyChartHtml } from './chart.js';
import { pageHtml } from './layout.js';
import { actionButton, badgeHtml, escapeHtml, RESULT_HTML } from './markup.js';
import { decisionsHtml, nextRunsHtml, runsTableHtml, settingsHtml } from './task-parts.js';
import type { PageContext, TaskDetail, TaskRow } from './types.js';

/** The task's badge: `data-status` its status, the word `disabled` when it is disabled and not running. */
export function taskBadgeHtml(task: TaskRow): string {
  return badgeHtml(task.status, taskStatus(task));
}

/** `<dl data-facts>`: pid, uptime (ticking client-side from `data-since`), restarts, last exit, next run, cpu, mem. */
export function taskFactsHtml(t: TaskRow, now: number): string {
  const since = t.status === 'running' && t.lastStartedAt !== null ? ` data-since="${escapeHtml(t.lastStartedAt)}"` : '';
  const pairs: [string, string, string][] = [
    ['pid', t.pid === null ? '-' : String(t.pid), ''], ['uptime', formatUptime(t, now), ` data-col="uptime"${since}`],
    ['restarts', String(t.restarts), ''], ['last exit', formatExit(t), ''], ['next run', nextRunText(t, now), ' data-col="next"'],
    ['cpu', formatCpu(t.cpu), ''], ['mem', formatSize(t.rss), ''], ['live runs', `${t.runs} (${t.queued} queued)`, ''],
  ];
  return `<dl data-facts class="facts">${pairs.map(([k, v, a]) => `<div><dt>${k}</dt><dd${a}>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;
}

function controlsHtml(name: string): string {
  const t = { task: name };
  return `<section class="controls" data-controls><div class="form-row">${actionButton('start', t)}${actionButton('stop', t)}${actionButton('restart', t)}`
    + `${actionButton('enable', t)}${actionButton('disable', t)}</div><div class="form-row">`
    + '<textarea data-input="data" name="data" rows="2" placeholder="run data as JSON (optional), e.g. {&quot;n&quot;: 1}" aria-label="Run data (JSON)"></textarea>'
    + `${actionButton('run', t, 'run now')}</div>${RESULT_HTML}</section>`;
}

/**
 * The task page.
 * @example `renderTaskPage(ctx, { task: row, nextRuns, runs, decisions })`
 */
export function renderTaskPage(ctx: PageContext, detail: TaskDetail): string {
  const t = detail.task;
  const name = escapeHtml(t.name);
  const main = `<h1>${name} ${taskBadgeHtml(t)} <a class="small" href="/tasks/${escapeHtml(encodeURIComponent(t.name))}/out">output</a></h1>`
    + `${t.description === null ? '' : `<p class="muted">${escapeHtml(t.description)}</p>`}`
    + `${taskFactsHtml(t, ctx.now)}${ctx.readOnly ? '' : controlsHtml(t.name)}`
    + `<div class="cols"><section><h2>Settings</h2>${settingsHtml(t)}</section>`
    + `<section><h2>Next runs</h2>${nextRunsHtml(detail.nextRuns, ctx.now)}<h2>History</h2>${historyChartHtml(detail.runs, ctx.now)}</section></div>`
    + `<section><h2>Runs</h2>${runsTableHtml(detail.runs, ctx.now)}</section>`
    + `<section><h2>Last decisions</h2>${decisionsHtml(detail.decisions, new Set([detail.task.name]))}</section>`;
  return pageHtml(ctx, { page: 'task', title: t.name, main, bodyAttrs: `data-task-page="${name}"` });
}

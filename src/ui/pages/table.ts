// The task table ('/'): one row per task, rendered by the same taskRowHtml on the server and in the browser.
import { formatUptime, relativeIn } from '../../display/format.js';
import { badExit, statusRow, taskStatus } from '../../display/status.js';
import { pageHtml } from './layout.js';
import { actionButton, badgeHtml, escapeHtml, RESULT_HTML, taskLink } from './markup.js';
import type { PageContext, TaskRow } from './types.js';

/** The table's column headers (the controls column is added when not read-only). */
export const TABLE_HEADERS = ['Name', 'Status', 'PID', 'Uptime', 'Restarts', 'Last exit', 'Next run', 'CPU', 'Mem', 'Tags'] as const;
/** The status filter's choices: the task statuses, and `disabled`. */
export const STATUS_CHOICES = ['running', 'waiting', 'scheduled', 'backoff', 'idle', 'succeeded', 'failed', 'stopped', 'disabled'] as const;

/**
 * A short hash of a row's JSON (FNV-1a, base 36): the client rebuilds a row only when it changes.
 * @example `rowSignature(row) // 'k2j1x9'`
 */
export function rowSignature(row: TaskRow): string {
  const text = JSON.stringify(row);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/**
 * A short reason next to the badge when a task is held back (bull-board's pills): a restart waiting out its backoff,
 * queued runs, a run the executor or the kernel (`limits`) killed; null when there is nothing to explain.
 * @example `whyText({ ...row, status: 'backoff', backoffUntil }, now) // 'restart in 12s'`
 */
export function whyText(row: TaskRow, now: number): string | null {
  if (row.status === 'waiting') return row.waiting ?? 'for its dependencies';
  if (row.status === 'backoff' && row.backoffUntil !== null) return `restart ${relativeIn(row.backoffUntil, now)}`;
  if (row.queued > 0) return `${row.queued} queued`;
  if (row.lastKill === 'timeout' && row.status !== 'running') return 'timed out';
  if (row.lastKill === 'memory') return 'over maxMemory';
  if (row.lastKill === 'limit' && row.status !== 'running') return 'killed by a limit';
  return null;
}

function controlsCell(row: TaskRow): string {
  const t = { task: row.name };
  const toggle = row.enabled ? actionButton('disable', t) : actionButton('enable', t);
  return `<td class="controls">${actionButton('start', t)}${actionButton('stop', t)}${actionButton('restart', t)}${actionButton('run', t)}${toggle}</td>`;
}

/**
 * One task row: `<tr data-task data-status data-tags>`, `data-status` the task's status (`data-enabled="false"` when
 * disabled; the badge then says `disabled`). The same function renders rows on the server and in the browser.
 * @example `taskRowHtml(row, Date.now(), false) // '<tr data-task="web" data-status="running" …>…</tr>'`
 */
export function taskRowHtml(row: TaskRow, now: number, readOnly: boolean): string {
  const s = statusRow(row, now);
  const name = escapeHtml(row.name);
  const since = row.status === 'running' && row.lastStartedAt !== null ? ` data-since="${escapeHtml(row.lastStartedAt)}"` : '';
  const tags = row.tags.map((t) => `<span class="tag">${escapeHtml(t)}</span>`).join(' ');
  const why = whyText(row, now);
  return `<tr data-task="${name}" data-status="${escapeHtml(row.status)}" data-tags="${escapeHtml(row.tags.join(' '))}"${row.enabled ? '' : ' data-enabled="false"'} data-sig="${rowSignature(row)}">`
    + `<td>${taskLink(row.name)}</td><td>${badgeHtml(row.status, taskStatus(row))}${why === null ? '' : ` <span class="pill" data-why>${escapeHtml(why)}</span>`}</td><td>${escapeHtml(s.pid)}</td>`
    + `<td data-col="uptime"${since}>${escapeHtml(formatUptime(row, now))}</td><td>${escapeHtml(s.restarts)}</td>`
    + `<td${badExit(row) ? ' class="bad"' : ''}>${escapeHtml(s.lastExit)}</td><td data-col="next">${escapeHtml(s.nextRun)}</td>`
    + `<td>${escapeHtml(s.cpu)}</td><td>${escapeHtml(s.mem)}</td><td>${tags}</td>`
    + `${readOnly ? '' : controlsCell(row)}</tr>`;
}

function filtersHtml(rows: readonly TaskRow[]): string {
  const tags = [...new Set(rows.flatMap((r) => r.tags))].sort();
  const tagOptions = tags.map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`).join('');
  const statusOptions = STATUS_CHOICES.map((s) => `<option value="${s}">${s}</option>`).join('');
  return '<div class="filters"><input data-filter="text" type="search" placeholder="Filter by name" aria-label="Filter by name">'
    + `<select data-filter="tag" aria-label="Tag"><option value="">all tags</option>${tagOptions}</select>`
    + `<select data-filter="status" aria-label="Status"><option value="">all statuses</option>${statusOptions}</select></div>`;
}

/** The emit-an-event form (not in read-only mode). */
function emitHtml(): string {
  return '<details class="emit" open><summary>Emit an event</summary><div class="form-row" data-controls>'
    + '<input data-input="event-type" name="type" placeholder="event type" aria-label="Event type">'
    + '<textarea data-input="event-payload" name="payload" rows="2" placeholder="payload JSON (optional)" aria-label="Event payload"></textarea>'
    + '<button data-action="emit">emit</button></div></details>';
}

/**
 * Rows the server renders into the table page; the browser adds the others from the live stream's first message, so a
 * table of 1,000 tasks paints as fast as one of 100 (`/?all=1` renders every row, for a page without script).
 */
export const FIRST_PAINT_ROWS = 100;

/**
 * The task table page ('/'): filters, the emit form and result line (unless read-only), and one row per task (the first
 * `firstRows`; a `[data-more]` note, and a link to all of them, stands for the rest until the script adds them).
 * @example `renderTablePage({ readOnly: false, now: Date.now(), supervisor: null }, await ex.listTasks())`
 */
export function renderTablePage(ctx: PageContext, rows: TaskRow[], firstRows = FIRST_PAINT_ROWS): string {
  const head = [...TABLE_HEADERS, ...(ctx.readOnly ? [] : [''])].map((h) => `<th>${h}</th>`).join('');
  const shown = rows.length > firstRows ? rows.slice(0, firstRows) : rows;
  const body = shown.map((r) => taskRowHtml(r, ctx.now, ctx.readOnly)).join('');
  const rest = rows.length - shown.length;
  const more = rest === 0 ? '' : `<p class="muted" data-more="${rest}">${rest} more tasks are loading… (<a href="/?all=1">all ${rows.length} without script</a>)</p>`;
  const main = `<h1>Tasks <span class="muted" data-count>${rows.length}</span></h1>${filtersHtml(rows)}`
    + `${ctx.readOnly ? '' : emitHtml() + RESULT_HTML}`
    + `<table data-table="tasks"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`
    + `<p class="muted" data-empty${rows.length === 0 ? '' : ' hidden'}>No tasks in this folder.</p>`;
  return pageHtml(ctx, { page: 'table', title: 'Tasks', main });
}

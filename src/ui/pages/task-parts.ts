// The live parts of a task page (settings, next runs, runs, decisions), rendered by the server and re-rendered by the
// client when the task changes.
import { formatBytes, formatDuration, formatElapsed, formatRunExit, formatStamp, relativeIn } from '../../display/format.js';
import { neverStarted } from '../../display/run-view.js';
import { EMPTY_CELL } from '../../display/format.js';
import { badgeHtml, escapeHtml, linkedText, runLink, taskLink, timeHtml } from './markup.js';
import type { Decision, RunRecord, TaskRow } from './types.js';

function list(values: readonly string[]): string {
  return values.length === 0 ? EMPTY_CELL : values.join(', ');
}

/** The task's settings as `[label, text]` pairs (env shows only its variable names). */
export function settingsPairs(t: TaskRow): [string, string][] {
  return [
    ['script', t.script], ['working directory', t.wd], ['interpreter', t.interpreter ?? EMPTY_CELL], ['args', list(t.args)],
    ['description', t.description ?? EMPTY_CELL], ['enabled', String(t.enabled)], ['restart on exit', String(t.infiniteLoop)],
    ['period', t.period ?? EMPTY_CELL], ['cron', t.cron ?? EMPTY_CELL], ['start', t.start === null ? EMPTY_CELL : formatStamp(t.start)],
    ['timezone', t.timezone ?? 'system'], ['catch-up', t.catchUp], ['overlap', t.overlap], ['jitter', formatDuration(t.jitterMs)],
    ['timeout', t.timeoutMs === null ? EMPTY_CELL : formatDuration(t.timeoutMs)], ['concurrency', t.concurrency === null ? 'no limit' : String(t.concurrency)],
    ['on events', list(t.on)], ['steps', t.steps === null ? EMPTY_CELL : t.steps.join(' → ')], ['tags', list(t.tags)],
    ['stderr', t.stderr], ['env', list(Object.keys(t.env))], ['added', formatStamp(t.addedAt)],
  ];
}

// The task's relations and process settings (issue 16), as `[label, html]` pairs: task names are links.
function relationPairs(t: TaskRow): [string, string][] {
  const links = (names: readonly string[]): string => (names.length === 0 ? EMPTY_CELL : names.map(taskLink).join(', '));
  const limits = t.limits === null ? [] : Object.entries(t.limits).map(([k, v]) => `${k} ${k === 'memoryBytes' ? formatBytes(v as number) : String(v)}`);
  return [
    ['depends on', links(t.dependsOn)],
    ['after', t.after.length === 0 ? EMPTY_CELL : t.after.map((a) => `${taskLink(a.task)} <span class="muted">on ${escapeHtml(a.on)}</span>`).join(', ')],
    ['waiting for', t.waiting === null ? EMPTY_CELL : escapeHtml(t.waiting)],
    ['user', escapeHtml(t.user === null ? EMPTY_CELL : `${t.user}${t.group === null ? '' : `:${t.group}`}`)],
    ['limits', escapeHtml(list(limits))], ['nice', escapeHtml(t.nice === null ? EMPTY_CELL : String(t.nice))],
    ['env files', escapeHtml(list(t.envFiles.map((f) => (f.optional ? `${f.path} (optional)` : f.path))))],
    ['secret env', escapeHtml(list(t.secretEnv))],
  ];
}

/**
 * `<dl data-settings>` of the task's settings, then its relations (`data-relations` on the depends-on and after
 * entries: links to those tasks) and why it waits.
 */
export function settingsHtml(task: TaskRow): string {
  const plain = settingsPairs(task).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const relations = relationPairs(task).map(([k, html]) => `<dt>${escapeHtml(k)}</dt><dd data-relation="${escapeHtml(k)}">${html}</dd>`).join('');
  return `<dl data-settings>${plain}${relations}</dl>`;
}

/** `<ol data-next-runs>` of the next fire times. */
export function nextRunsHtml(nextRuns: readonly string[], now: number): string {
  // A task run only by chains has `after load` entries rather than times.
  const item = (at: string): string => (Number.isNaN(Date.parse(at)) ? `<li>${escapeHtml(at)}</li>` : `<li>${timeHtml(at, formatStamp(at))} <span class="muted">${escapeHtml(relativeIn(at, now))}</span></li>`);
  const items = nextRuns.map(item).join('');
  return `<ol data-next-runs>${items === '' ? '<li class="muted">none scheduled</li>' : items}</ol>`;
}

function runRow(run: RunRecord, now: number): string {
  const started = !neverStarted(run);
  const error = run.errorMessage ?? '';
  return `<tr data-run-row="${escapeHtml(run.runId)}" data-status="${escapeHtml(run.status)}"><td>${runLink(run.runId)}${run.saved === null ? '' : ` <span class="pill" title="${escapeHtml(run.saved.description ?? '')}">${escapeHtml(run.saved.name)}</span>`}</td>`
    + `<td>${badgeHtml(run.status)}</td><td>${escapeHtml(run.trigger)}</td><td>${escapeHtml(started ? formatStamp(run.startedAt) : EMPTY_CELL)}</td>`
    + `<td class="num">${escapeHtml(started ? formatElapsed(run.startedAt, run.endedAt, now) : EMPTY_CELL)}</td><td class="num">${escapeHtml(formatRunExit(run))}</td>`
    + `<td class="error">${escapeHtml(error)}</td></tr>`;
}

/** `<table data-runs>` of the runs, newest first, each row linking its run page. */
export function runsTableHtml(runs: readonly RunRecord[], now: number): string {
  const head = '<thead><tr><th>Run</th><th>Status</th><th>Trigger</th><th>Started</th><th>Duration</th><th>Exit</th><th>Error</th></tr></thead>';
  const body = runs.length === 0 ? '<tr><td colspan="7" class="muted">No runs yet.</td></tr>' : runs.map((r) => runRow(r, now)).join('');
  return `<table data-runs>${head}<tbody>${body}</tbody></table>`;
}

/** `<ol data-decisions>` of the last decisions, each `<li data-kind>`. */
export function decisionsHtml(decisions: readonly Decision[], names: ReadonlySet<string> = new Set()): string {
  const items = decisions.map((d) => `<li data-kind="${escapeHtml(d.kind)}"><span class="mono muted">${escapeHtml(d.time)}</span> <span class="kind kind-${escapeHtml(d.kind)}">${escapeHtml(d.kind)}</span> ${linkedText(d.text, names)}</li>`).join('');
  return `<ol data-decisions>${items === '' ? '<li class="muted">No decisions logged yet.</li>' : items}</ol>`;
}

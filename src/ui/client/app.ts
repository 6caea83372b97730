// The dashboard's browser script (bundled to /assets/app.js): one EventSource keeps every page live — the task table's
// rows, the task and run pages, the no-supervisor banner, the log and a followed output — and the controls POST to
// the API. No framework: the server's own pure renderers (src/ui/pages) build the HTML here too.
import { supervisorText } from '../pages/layout.js';
import { linkedText } from '../pages/markup.js';
import { rowSignature } from '../pages/table.js';
import type { SupervisorInfo, TaskRow } from '../pages/types.js';
import { wireControls } from './controls.js';
import { taskPage, runPage } from './detail.js';
import { $, appendLines, batcher, setText } from './dom.js';
import { LiveTable, type TasksMessage } from './table.js';
import { startTicking, tickCells } from './tick.js';

// A page opened with ?token= has its cookie now: the token leaves the address bar (and the history).
if (new URLSearchParams(location.search).has('token')) {
  const url = new URL(location.href);
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
}

const body = document.body;
const readOnly = body.dataset.readOnly === 'true';
const latest = new Map<string, TaskRow>();
const tbody = $<HTMLTableSectionElement>('table[data-table="tasks"] tbody');
const table = tbody === null ? null : new LiveTable(tbody, readOnly);
const taskName = body.dataset.taskPage;
const onTask = taskName === undefined ? null : taskPage(taskName);
const runTask = body.dataset.runTask;
const onRun = body.dataset.run === undefined ? null : runPage(body.dataset.run);
let watchedSig = '';

function onTasks(message: TasksMessage): void {
  if (message.full) latest.clear();
  for (const row of message.rows) latest.set(row.name, row);
  for (const name of message.removed) latest.delete(name);
  table?.apply(message);
  const watched = taskName ?? runTask;
  const row = watched === undefined ? undefined : message.rows.find((r) => r.name === watched);
  if (row === undefined) return;
  const sig = rowSignature(row);
  if (sig === watchedSig) return;
  watchedSig = sig;
  onTask?.(row);
  onRun?.();
}

function onSupervisor(info: SupervisorInfo | null): void {
  const banner = $('[data-banner="no-supervisor"]');
  if (banner !== null) banner.hidden = info !== null;
  const line = $('[data-supervisor]');
  if (line !== null) setText(line, supervisorText(info));
}

function connect(): void {
  const log = $('pre[data-log]');
  const out = $('pre[data-follow]');
  const follow = out?.dataset.follow;
  // Where the page's lines end: the stream starts there, so no line is lost or shown twice.
  const query = new URLSearchParams();
  if (follow !== undefined) query.set('follow', follow);
  if (follow !== undefined && out?.dataset.followFrom !== undefined) query.set('from', out.dataset.followFrom);
  if (log?.dataset.followFrom !== undefined) query.set('logFrom', log.dataset.followFrom);
  const source = new EventSource(`/api/stream${query.size === 0 ? '' : `?${query.toString()}`}`);
  const json = (event: Event): unknown => JSON.parse((event as MessageEvent<string>).data);
  source.addEventListener('tasks', (e) => onTasks(json(e) as TasksMessage));
  source.addEventListener('supervisor', (e) => onSupervisor(json(e) as SupervisorInfo | null));
  if (log !== null) {
    // Run ids and the task names this page knows are links, as in the lines the server rendered.
    const add = batcher<string>((lines) => appendLines(log, lines, (line) => linkedText(line, new Set(latest.keys()))));
    source.addEventListener('log', (e) => add((json(e) as { line: string }).line));
  }
  if (out !== null && follow !== undefined) {
    const add = batcher<string>((lines) => appendLines(out, lines));
    source.addEventListener('out', (e) => {
      const message = json(e) as { name: string; line: string };
      if (message.name === follow) add(message.line);
    });
  }
  source.addEventListener('open', () => { body.dataset.connection = 'open'; });
  source.addEventListener('error', () => { body.dataset.connection = 'lost'; });
}

function tick(now: number): void {
  if (table !== null) {
    for (const [name, tr] of table.rows()) {
      const row = latest.get(name);
      if (row !== undefined && (row.status === 'running' || row.nextRun !== null || row.backoffUntil !== null)) tickCells(tr, row, now);
    }
  }
  const facts = $('[data-facts]');
  if (facts !== null && taskName !== undefined) tickCells(facts, latest.get(taskName), now);
}

if (!readOnly) wireControls({ row: (row) => table?.upsert(row), run: () => onRun?.(true) });
connect();
startTicking(tick);

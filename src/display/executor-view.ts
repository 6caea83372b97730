// The views of an Executor itself: in a notebook, its task table with badges under a line naming the folder and its
// supervisor; in a REPL (`> ex`), one short line instead of the object's internals.
import type { SupervisorInfo } from '../supervisor/presence.js';
import { escapeHtml, statusHtml } from './html.js';
import type { MimeBundle } from './mime.js';
import { OutputView, StatusTable } from './views.js';
import { statusText } from './text.js';
import { statusRow } from './status.js';
import type { TaskRow } from '../task/rows.js';

/** What the Executor's views read of it. */
export interface ExecutorViewSource {
  readonly id: string;
  readonly folder: string;
  status(): Promise<StatusTable>;
  getSupervisor(): Promise<SupervisorInfo | null>;
}

/** `ex.status()` of these `listTasks()` rows at `now`. */
export function statusTable(rows: readonly TaskRow[], now: number): StatusTable {
  return StatusTable.fromRows(rows.map((row) => statusRow(row, now)));
}

/** Who supervises, in words: `pid 4242 on host since 2026-12-07T10:00:00.000Z`, or `none`. */
export function supervisorText(info: SupervisorInfo | null): string {
  return info === null ? 'none' : `pid ${info.pid} on ${info.hostname} since ${info.since}`;
}

/** The Executor's MIME bundle: a caption (id, folder, supervisor) over its task table. */
export async function executorBundle(ex: ExecutorViewSource): Promise<MimeBundle> {
  const [rows, supervisor] = await Promise.all([ex.status(), ex.getSupervisor()]);
  const caption = `Executor ${ex.id} · ${ex.folder} · supervisor: ${supervisorText(supervisor)}`;
  return {
    'text/html': `<div><div style="font-family:sans-serif;font-size:12px;color:#555;margin-bottom:4px">${escapeHtml(caption)}</div>${statusHtml(rows)}</div>`,
    'text/plain': `${caption}\n${statusText(rows)}`,
  };
}

/** What a REPL prints for the Executor: `Executor 3f9a1c07 { folder: '/home/me/jobs' }`, not its internals. */
export function executorInspect(ex: Pick<ExecutorViewSource, 'id' | 'folder'>): string {
  return `Executor ${ex.id} { folder: ${JSON.stringify(ex.folder)} }`;
}

/** The view of `ex.out(name, n)`: the task's row summarised over its last lines. */
export function outputView(row: TaskRow | undefined, name: string, lines: readonly string[], now: number): OutputView {
  if (row === undefined) return new OutputView(name, name, lines);
  const r = statusRow(row, now);
  const parts = [name, r.status, ...(r.pid === '-' ? [] : [`pid ${r.pid}`]), ...(r.uptime === '-' ? [] : [`up ${r.uptime}`]), ...(r.lastExit === '-' ? [] : [`last exit ${r.lastExit}`])];
  return new OutputView(name, parts.join(' · '), lines);
}

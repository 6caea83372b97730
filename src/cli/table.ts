// Borderless tables of tasks, runs and program steps, and the key/value details of one run (pure: returns text).
import type { RunRecord, StepRecord } from '../store/records.js';
import type { TaskRow } from '../task/rows.js';
import { statusPaint, type Paint } from './color.js';
import { GRID_GAP, renderGrid } from '../display/grid.js';
import { EMPTY_CELL, formatBytes, formatElapsed, formatLocal, formatRunExit, formatStamp } from '../display/format.js';
import { badExit, statusRow, STATUS_HEADERS } from '../display/status.js';
import { neverStarted, stepCells as stepViewCells } from '../display/run-view.js';

export { DUE_UNSUPERVISED } from '../display/status.js';

/** Options of the render functions. */
export interface TableOptions {
  /** The current time, ms since the epoch (uptimes, durations of live runs, NEXT RUN). */
  now: number;
  /** Colour functions (`paintFor(enabled)`). */
  paint: Paint;
  /** Terminal columns when known: the task table then truncates names to fit. @defaultValue no limit */
  width?: number;
}

/** The task table's NAME column is never truncated below this many characters. */
export const MIN_NAME_WIDTH = 8;
/** What ends a truncated cell. */
export const ELLIPSIS = '…';
/** Spaces between two columns. */
export const COLUMN_GAP = GRID_GAP;
/** Longest compact JSON of a run's data shown by `renderRunDetails`. */
export const MAX_DATA_CHARS = 200;
/** Header words of the task table. */
export const TASK_HEADERS = STATUS_HEADERS;
/** Header words of the run table. */
export const RUN_HEADERS = ['RUN ID', 'TASK', 'TRIGGER', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'SAVED'] as const;
/** Header words of a program run's steps table. */
export const STEP_HEADERS = ['STEP', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'RETRIES', 'OUTPUT'] as const;

// One cell: its plain text (widths are measured on it) and how it is painted.
interface Cell { text: string; color?: (paint: Paint, text: string) => string }

const byStatus = (paint: Paint, text: string): string => statusPaint(paint, text);
const red = (paint: Paint, text: string): string => paint.red(text);

/** Cuts `text` to `max` characters, the last one `…`. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + ELLIPSIS;
}

/** Width of the widest of `texts`, in characters. */
function widest(texts: string[]): number {
  return texts.reduce((w, t) => Math.max(w, Array.from(t).length), 0);
}

/** Truncates column `col` so the table fits `width` (never below MIN_NAME_WIDTH). */
function fitColumn(headers: readonly string[], rows: Cell[][], col: number, width: number): void {
  const widths = headers.map((h, i) => widest([h, ...rows.map((r) => r[i]?.text ?? '')]));
  const total = widths.reduce((a, b) => a + b, 0) + COLUMN_GAP.length * (headers.length - 1);
  const current = widths[col] ?? 0;
  if (total <= width || current <= MIN_NAME_WIDTH) return;
  const max = Math.max(MIN_NAME_WIDTH, current - (total - width));
  for (const row of rows) {
    const cell = row[col];
    if (cell) cell.text = truncate(cell.text, max);
  }
}

/** Renders a borderless table, bold headers, cells painted; lines without trailing spaces, joined by '\n'. */
function render(headers: readonly string[], rows: Cell[][], paint: Paint): string {
  return renderGrid(
    headers.map((h) => ({ text: h, paint: paint.bold })),
    rows.map((row) => row.map(({ text, color: c }) => (c ? { text, paint: (line: string) => c(paint, line) } : { text }))),
  );
}

/** The cells of one task row: the texts of `statusRow`, the status painted by its colour, a bad exit in red. */
function taskCells(row: TaskRow, now: number): Cell[] {
  const r = statusRow(row, now);
  return [
    { text: r.name },
    { text: r.status, color: byStatus },
    { text: r.pid },
    { text: r.uptime },
    { text: r.restarts },
    badExit(row) ? { text: r.lastExit, color: red } : { text: r.lastExit },
    { text: r.nextRun },
    { text: r.cpu },
    { text: formatBytes(row.rss) },
  ];
}

/**
 * The `ls` table: `NAME STATUS PID UPTIME RESTARTS LAST EXIT NEXT RUN CPU MEM`, one row per task, `-` for empty
 * cells. With `width`, long names are cut (ending in `…`, never below 8 characters) so the lines fit.
 * @example
 * ```ts
 * renderTaskTable(await ex.listTasks(), { now: Date.now(), paint: paintFor(false), width: 120 });
 * // NAME  STATUS   PID    UPTIME  RESTARTS  LAST EXIT  NEXT RUN  CPU   MEM
 * // web   running  41023  3m 12s  0         -          -         0.5%  42.1MB
 * ```
 */
export function renderTaskTable(rows: TaskRow[], o: TableOptions): string {
  const cells = rows.map((row) => taskCells(row, o.now));
  if (o.width !== undefined) fitColumn(TASK_HEADERS, cells, 0, o.width);
  return render(TASK_HEADERS, cells, o.paint);
}

/** The cells of one run row. */
function runCells(run: RunRecord, now: number): Cell[] {
  const started = !neverStarted(run);
  const exit = formatRunExit(run);
  return [
    { text: run.runId },
    { text: run.task },
    { text: run.trigger },
    { text: run.status, color: byStatus },
    { text: started ? formatStamp(run.startedAt) : EMPTY_CELL },
    { text: started ? formatElapsed(run.startedAt, run.endedAt, now) : EMPTY_CELL },
    exitCell(exit),
    { text: run.saved?.name ?? EMPTY_CELL },
  ];
}

/**
 * The `runs` table: `RUN ID TASK TRIGGER STATUS STARTED DURATION EXIT SAVED`, one row per run. STARTED is local
 * `YYYY-MM-DD HH:mm:ss`; DURATION runs to now while the run is live; a queued run shows `-` for both.
 * @example
 * ```ts
 * renderRunTable(await ex.listRuns({ limit: 20 }), { now: Date.now(), paint: paintFor(true) });
 * ```
 */
export function renderRunTable(runs: RunRecord[], o: TableOptions): string {
  return render(RUN_HEADERS, runs.map((run) => runCells(run, o.now)), o.paint);
}

// An exit cell: red unless the run succeeded (`0`) or has no exit yet (`-`).
function exitCell(exit: string): Cell {
  return exit !== '0' && exit !== EMPTY_CELL ? { text: exit, color: red } : { text: exit };
}

/** The cells of one step row. */
function stepCells(step: StepRecord, now: number): Cell[] {
  const [name, status, started, duration, exit, retries] = stepViewCells(step, now);
  return [
    { text: name },
    { text: status, color: byStatus },
    { text: started },
    { text: duration },
    exitCell(exit),
    { text: retries },
    { text: step.outputFile ?? EMPTY_CELL },
  ];
}

/** Compact JSON of a run's data, cut to MAX_DATA_CHARS; null when there is none. */
function dataText(data: unknown): string | null {
  if (data === null || data === undefined) return null;
  const json = JSON.stringify(data) as string | undefined;
  return json === undefined ? null : truncate(json, MAX_DATA_CHARS);
}

/** The key/value pairs of a run's details, in order (null values are left out by the caller). */
function detailPairs(run: RunRecord, o: TableOptions): [string, string | null][] {
  const started = !neverStarted(run);
  const local = (iso: string | null): string | null => (iso === null ? null : formatLocal(iso));
  return [
    ['runId', run.runId],
    ['task', run.task],
    ['status', statusPaint(o.paint, run.status)],
    ['trigger', run.trigger],
    ['event', run.event],
    ['scheduledFor', local(run.scheduledFor)],
    ['triggerTime', local(run.triggerTime)],
    ['createdAt', local(run.createdAt)],
    ['startedAt', started ? local(run.startedAt) : null],
    ['endedAt', local(run.endedAt)],
    ['duration', started ? formatElapsed(run.startedAt, run.endedAt, o.now) : null],
    ['exit', run.endedAt === null ? null : formatRunExit(run)],
    ['errorMessage', run.errorMessage],
    ['saved', run.saved?.name ?? null],
    ['savedDescription', run.saved?.description ?? null],
    ['data', dataText(run.data)],
    ['outputFile', run.outputFile === '' ? null : run.outputFile],
    ['errorFile', run.errorFile],
  ];
}

/**
 * The `show` output: `key: value` lines (keys with no value are left out; times local with their offset), then for a
 * program run a blank line and a `STEP STATUS STARTED DURATION EXIT RETRIES OUTPUT` table.
 * @example
 * ```ts
 * renderRunDetails(await ex.getRun(id), { now: Date.now(), paint: paintFor(false) });
 * // runId: 01J…
 * // task: backup
 * // status: succeeded
 * // …
 * ```
 */
export function renderRunDetails(run: RunRecord, o: TableOptions): string {
  const lines = detailPairs(run, o).flatMap(([key, value]) => (value === null ? [] : [`${key}: ${value}`]));
  if (run.steps.length > 0) lines.push('', render(STEP_HEADERS, run.steps.map((s) => stepCells(s, o.now)), o.paint));
  return lines.join('\n');
}

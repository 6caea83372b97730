// The compact task table: one row of printable strings per task, the columns of `executor ls` (ex.status(), the CLI's
// table, the HTML and text views all read it).
import type { TaskRow } from '../task/rows.js';
import { DUE, EMPTY_CELL, formatCpu, formatExit, formatUptime, formatWhen } from './format.js';

/** One task in `ex.status()`: every value a printable string (`-` when empty), the columns of `executor ls`. */
export interface StatusRow {
  name: string;
  /** The task's status; `disabled` for a disabled task that is not running; `waiting: <why>` for a waiting task. */
  status: string;
  pid: string;
  /** How long the live run has been up, e.g. `3m 12s`. */
  uptime: string;
  restarts: string;
  /** Exit code or signal of the last run, with the kill reason, e.g. `0`, `1`, `SIGTERM (timeout)`. */
  lastExit: string;
  /** The next fire (or backoff restart) time, e.g. `14:05:00 (in 3m)`; `due, no supervisor` when nobody will run it. */
  nextRun: string;
  /** CPU of the live run's tree, e.g. `0.5%`. */
  cpu: string;
  /** Resident memory of the live run's tree, e.g. `41 MB`. */
  mem: string;
}

/** The header words of the columns, in order (as `executor ls` prints them). */
export const STATUS_HEADERS = ['NAME', 'STATUS', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'NEXT RUN', 'CPU', 'MEM'] as const;
/** The keys of {@link StatusRow}, in column order. */
export const STATUS_KEYS = ['name', 'status', 'pid', 'uptime', 'restarts', 'lastExit', 'nextRun', 'cpu', 'mem'] as const;
/** What a NEXT RUN that is due says instead of `(due)` when no supervisor holds the folder's lease: nothing will run it. */
export const DUE_UNSUPERVISED = `${DUE}, no supervisor`;

const KB = 1024;
const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;
/** Sizes below this many units show one decimal (`3.2 MB`); from it on, none (`41 MB`). */
const SIZE_DECIMALS_BELOW = 10;

/**
 * A byte size with a space before its binary unit: one decimal below 10 units, none above; `-` for null.
 * @example `formatSize(43_000_000) // '41 MB'`
 */
export function formatSize(n: number | null): string {
  if (n === null || !Number.isFinite(n) || n < 0) return EMPTY_CELL;
  let value = n;
  let unit = 0;
  while (value >= KB && unit < SIZE_UNITS.length - 1) { value /= KB; unit++; }
  const digits = unit === 0 || value >= SIZE_DECIMALS_BELOW ? 0 : 1;
  return `${value.toFixed(digits)} ${SIZE_UNITS[unit]}`;
}

/** The STATUS word of a task row: `disabled` for a disabled task that is not running. */
export function taskStatus(row: TaskRow): string {
  return !row.enabled && row.status !== 'running' ? 'disabled' : row.status;
}

/**
 * The STATUS text of a `waiting` task, with what it waits for; null for any other task.
 * @example `waitingText(row) // 'waiting: db not ready (running 0.4 s of 1 s)'`
 */
export function waitingText(row: TaskRow): string | null {
  if (row.status !== 'waiting' || !row.enabled) return null;
  return row.waiting === null ? 'waiting' : `waiting: ${row.waiting}`;
}

/** True when a task's last exit was not a clean 0 (a non-zero code, a signal or a kill). */
export function badExit(row: TaskRow): boolean {
  if (row.lastKill !== null) return true;
  return row.lastExitCode !== null ? row.lastExitCode !== 0 : row.lastSignal !== null;
}

/** The NEXT RUN text: the next fire time, or a backoff restart's; `(due, no supervisor)` when due and nobody supervises. */
export function nextRunText(row: TaskRow, now: number): string {
  const next = row.nextRun ?? (row.status === 'backoff' ? row.backoffUntil : null); // a backoff restart is the next run too
  const text = formatWhen(next, now);
  return row.supervisor === null && text.endsWith(`(${DUE})`) ? `${text.slice(0, -DUE.length - 1)}${DUE_UNSUPERVISED})` : text;
}

/**
 * The printable row of one `listTasks()` row at time `now`.
 * @example `statusRow(row, Date.now()) // { name: 'web', status: 'running', pid: '41023', uptime: '3m 12s', … mem: '41 MB' }`
 */
export function statusRow(row: TaskRow, now: number): StatusRow {
  return {
    name: row.name,
    status: waitingText(row) ?? taskStatus(row),
    pid: row.pid === null ? EMPTY_CELL : String(row.pid),
    uptime: formatUptime(row, now),
    restarts: String(row.restarts),
    lastExit: formatExit(row),
    nextRun: nextRunText(row, now),
    cpu: formatCpu(row.cpu),
    mem: formatSize(row.rss),
  };
}

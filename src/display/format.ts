// Text of table cells and detail lines: durations, local times, exits, bytes, cpu (pure; `now` is always passed in).
import bytes from 'bytes';
import dayjs from 'dayjs';
import prettyMs from 'pretty-ms';
import type { RunRecord } from '../store/records.js';
import type { TaskRow } from '../task/rows.js';

/** What an empty cell or an unknown value shows. */
export const EMPTY_CELL = '-';
/** Most units a duration shows (`3m 12s`, `2h 5m`). */
export const DURATION_UNITS = 2;
/** Decimals of a byte size (`12.3MB`). */
export const BYTES_DECIMALS = 1;
/** Below this cpu percent, one decimal is shown (`0.5%`); at or above, none (`12%`). */
export const CPU_DECIMALS_BELOW = 10;
/** dayjs format of a time on the same local day as now. */
export const SAME_DAY_FORMAT = 'HH:mm:ss';
/** dayjs format of a time on another local day. */
export const OTHER_DAY_FORMAT = 'MMM D HH:mm';
/** dayjs format of `formatLocal` (local time with its UTC offset). */
export const LOCAL_FORMAT = 'YYYY-MM-DD HH:mm:ss Z';
/** dayjs format of `formatStamp` (local time, no offset), for table cells. */
export const STAMP_FORMAT = 'YYYY-MM-DD HH:mm:ss';
/** The word for a time that is now or past. */
export const DUE = 'due';

/**
 * A duration, compact, at most two units; below one second in ms. Negative durations show as `0ms`.
 * @example
 * ```ts
 * formatDuration(850); // '850ms'
 * formatDuration(192_000); // '3m 12s'
 * formatDuration(7_500_000); // '2h 5m'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return EMPTY_CELL;
  return prettyMs(Math.max(0, Math.round(ms)), { unitCount: DURATION_UNITS, secondsDecimalDigits: 0 });
}

/**
 * How long the task's live run has been up: the time since `lastStartedAt` while the task is running, else `-`.
 * @example
 * ```ts
 * formatUptime({ ...row, status: 'running', lastStartedAt: new Date(now - 4000).toISOString() }, now); // '4s'
 * ```
 */
export function formatUptime(row: Pick<TaskRow, 'status' | 'lastStartedAt'>, now: number): string {
  if (row.status !== 'running' || row.lastStartedAt === null) return EMPTY_CELL;
  const started = Date.parse(row.lastStartedAt);
  return Number.isNaN(started) ? EMPTY_CELL : formatDuration(now - started);
}

/**
 * The last exit of a task: its code or signal, with the executor's kill reason in parentheses; `-` when none.
 * @example
 * ```ts
 * formatExit({ lastExitCode: 0, lastSignal: null, lastKill: null }); // '0'
 * formatExit({ lastExitCode: null, lastSignal: 'SIGTERM', lastKill: 'timeout' }); // 'SIGTERM (timeout)'
 * ```
 */
export function formatExit(row: Pick<TaskRow, 'lastExitCode' | 'lastSignal' | 'lastKill'>): string {
  const base = row.lastExitCode !== null ? String(row.lastExitCode) : row.lastSignal;
  if (base === null) return row.lastKill ?? EMPTY_CELL;
  return row.lastKill === null ? base : `${base} (${row.lastKill})`;
}

/**
 * How a run ended: `unknown`, `timeout`, its exit code or its signal; `-` while it has not ended (or ended with none).
 * @example
 * ```ts
 * formatRunExit({ exitCode: 3, signal: null, timedOut: false, exitUnknown: false, endedAt: '2024-01-01T00:00:00Z' }); // '3'
 * formatRunExit({ exitCode: null, signal: null, timedOut: false, exitUnknown: false, endedAt: null }); // '-'
 * ```
 */
export function formatRunExit(run: Pick<RunRecord, 'exitCode' | 'signal' | 'timedOut' | 'exitUnknown' | 'endedAt'>): string {
  if (run.endedAt === null) return EMPTY_CELL;
  if (run.exitUnknown) return 'unknown';
  if (run.timedOut) return 'timeout';
  if (run.exitCode !== null) return String(run.exitCode);
  return run.signal ?? EMPTY_CELL;
}

/**
 * A NEXT RUN cell: `HH:mm:ss (in 4m 10s)` on the same local day, `MMM D HH:mm (in 15h 2m)` on another; a time at or
 * before `now` shows `(due)` instead. `-` for null.
 * @example
 * ```ts
 * formatWhen(new Date(now + 250_000).toISOString(), now); // e.g. '14:07:10 (in 4m 10s)'
 * formatWhen(null, now); // '-'
 * ```
 */
export function formatWhen(iso: string | null, now: number): string {
  if (iso === null) return EMPTY_CELL;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return EMPTY_CELL;
  const when = dayjs(t);
  const clock = when.isSame(dayjs(now), 'day') ? when.format(SAME_DAY_FORMAT) : when.format(OTHER_DAY_FORMAT);
  return `${clock} (${relativeIn(iso, now)})`;
}

/**
 * A time in the local zone with its offset, `YYYY-MM-DD HH:mm:ss Z`.
 * @example
 * ```ts
 * formatLocal('2024-03-05T12:00:00Z'); // '2024-03-05 13:00:00 +01:00' in Europe/Paris
 * ```
 */
export function formatLocal(iso: string): string {
  return dayjs(iso).format(LOCAL_FORMAT);
}

/**
 * A time in the local zone without its offset, `YYYY-MM-DD HH:mm:ss`, for table cells; `-` for null.
 * @example
 * ```ts
 * formatStamp('2024-03-05T12:00:00Z'); // '2024-03-05 13:00:00' in Europe/Paris
 * ```
 */
export function formatStamp(iso: string | null): string {
  return iso === null || Number.isNaN(Date.parse(iso)) ? EMPTY_CELL : dayjs(iso).format(STAMP_FORMAT);
}

/**
 * The time from `startIso` to `endIso`, or to `now` while not ended; `-` when not started.
 * @example
 * ```ts
 * formatElapsed('2024-01-01T00:00:00Z', '2024-01-01T00:03:12Z', now); // '3m 12s'
 * ```
 */
export function formatElapsed(startIso: string | null, endIso: string | null, now: number): string {
  if (startIso === null) return EMPTY_CELL;
  const start = Date.parse(startIso);
  const end = endIso === null ? now : Date.parse(endIso);
  return Number.isNaN(start) || Number.isNaN(end) ? EMPTY_CELL : formatDuration(end - start);
}

/**
 * A byte size, 1024-based, one decimal at most (`12.3MB`); `-` for null.
 * @example
 * ```ts
 * formatBytes(12_897_485); // '12.3MB'
 * formatBytes(null); // '-'
 * ```
 */
export function formatBytes(n: number | null): string {
  if (n === null) return EMPTY_CELL;
  return bytes(n, { decimalPlaces: BYTES_DECIMALS, unitSeparator: '' }) ?? EMPTY_CELL;
}

/**
 * A cpu percent: one decimal below 10 (`0.5%`), none from 10 on (`12%`); `-` for null.
 * @example
 * ```ts
 * formatCpu(0.5); // '0.5%'
 * formatCpu(12.4); // '12%'
 * ```
 */
export function formatCpu(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return EMPTY_CELL;
  return n < CPU_DECIMALS_BELOW ? `${n.toFixed(1)}%` : `${Math.round(n)}%`;
}

/**
 * How far ahead a time is: `in 3h 2m`, or `due` when it is now or past.
 * @example
 * ```ts
 * relativeIn(new Date(now + 10_920_000).toISOString(), now); // 'in 3h 2m'
 * relativeIn(new Date(now - 1000).toISOString(), now); // 'due'
 * ```
 */
export function relativeIn(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return EMPTY_CELL;
  return t <= now ? DUE : `in ${formatDuration(t - now)}`;
}

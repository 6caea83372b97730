// Validation of the scheduling-policy and run options of addTask (issue 3). Writes nothing.
import { checkAlertOptions } from '../alert/options.js';
import { ConflictingOptionsError, InvalidDurationError, InvalidOptionError, InvalidPolicyError } from '../errors.js';
import { parseCron } from '../schedule/cron.js';
import { parseDuration } from '../schedule/duration.js';
import type { CatchUpPolicy, OverlapPolicy, StderrMode, TaskSpec } from '../store/records.js';
import { TASK_DEFAULTS } from '../store/records.js';
import { parseByteSize } from './bytes.js';

/** Accepted `catchUp` values. */
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['none', 'one', 'all'];
/** Accepted `overlap` values. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'queue', 'replace', 'allow'];
/** Accepted `stderr` values. */
export const STDERR_MODES: readonly StderrMode[] = ['merge', 'separate'];
/** Smallest accepted `maxOutputBytes`: 4 KiB. */
export const MIN_OUTPUT_BYTES = 4096;
/** Longest accepted `timeout` and `jitter`: 365 days. */
export const MAX_DURATION_MS = 31_536_000_000;
/** Smallest accepted `maxMemory`: 1 MiB. */
export const MIN_MEMORY_BYTES = 1_048_576;

/** The scheduling fields added by issue 3. */
export type PolicyFields = Pick<TaskSpec, 'cron' | 'catchUp' | 'maxCatchUp' | 'overlap' | 'jitterMs'>;
/** The run fields added by issue 3. */
export type RunFields = Pick<TaskSpec, 'timeoutMs' | 'header' | 'timestamps' | 'stderr' | 'maxOutputBytes' | 'maxArchiveBytes' | 'maxMemory' | 'alert'>;

// A duration from `min` ms up to MAX_DURATION_MS.
function boundedDuration(value: unknown, option: string, min: number): number {
  const ms = parseDuration(value, option);
  if (ms < min || ms > MAX_DURATION_MS) {
    throw new InvalidDurationError(option, value, `a duration from ${min} ms to 365 days (ms, or a period string like '30 sec' or '2 min')`);
  }
  return ms;
}

function oneOf<T extends string>(value: unknown, option: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new InvalidPolicyError(option, allowed, value);
  return value as T;
}

function bool(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'a boolean', value);
  return value;
}

/** Validates `cron`, `catchUp`, `maxCatchUp`, `overlap`, `jitter` (and that `period` and `cron` are not both given). */
export function checkPolicyOptions(o: Record<string, unknown>, timezone: string | null): PolicyFields {
  if (o.period !== undefined && o.cron !== undefined) throw new ConflictingOptionsError('period', 'cron', { period: o.period, cron: o.cron });
  const cron = o.cron === undefined ? null : parseCron(o.cron, timezone).text;
  const maxCatchUp = o.maxCatchUp ?? TASK_DEFAULTS.maxCatchUp;
  if (!(Number.isInteger(maxCatchUp) && (maxCatchUp as number) >= 1)) throw new InvalidOptionError('maxCatchUp', 'an integer >= 1', o.maxCatchUp);
  return {
    cron,
    catchUp: oneOf(o.catchUp, 'catchUp', CATCH_UP_POLICIES, TASK_DEFAULTS.catchUp),
    maxCatchUp: maxCatchUp as number,
    overlap: oneOf(o.overlap, 'overlap', OVERLAP_POLICIES, TASK_DEFAULTS.overlap),
    jitterMs: o.jitter === undefined ? 0 : boundedDuration(o.jitter, 'jitter', 0),
  };
}

/** Validates `timeout`, `header`, `timestamps`, `stderr`, `maxOutputBytes`, `maxArchiveBytes`, `maxMemory`, `alert`. */
export function checkRunOptions(o: Record<string, unknown>): RunFields {
  const timeoutMs = o.timeout === undefined || o.timeout === null ? null : boundedDuration(o.timeout, 'timeout', 1);
  const alert = o.alert === undefined ? null : checkAlertOptions(o.alert, 'alert');
  return {
    timeoutMs,
    header: bool(o.header, 'header', TASK_DEFAULTS.header),
    timestamps: bool(o.timestamps, 'timestamps', TASK_DEFAULTS.timestamps),
    stderr: oneOf(o.stderr, 'stderr', STDERR_MODES, TASK_DEFAULTS.stderr),
    maxOutputBytes: o.maxOutputBytes === undefined || o.maxOutputBytes === null ? null : parseByteSize(o.maxOutputBytes, 'maxOutputBytes', MIN_OUTPUT_BYTES),
    maxArchiveBytes: o.maxArchiveBytes === undefined || o.maxArchiveBytes === null ? null : parseByteSize(o.maxArchiveBytes, 'maxArchiveBytes', 1),
    maxMemory: o.maxMemory === undefined || o.maxMemory === null ? null : parseByteSize(o.maxMemory, 'maxMemory', MIN_MEMORY_BYTES),
    alert: alert ?? null,
  };
}

// Validation of addTask's arguments into a TaskSpec. Runs before anything is written.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AlertOptions } from '../alert/types.js';
import { ConflictingOptionsError, InvalidEnvError, InvalidOptionError, InvalidStartError, WorkingDirectoryNotFoundError } from '../errors.js';
import { parsePeriod } from '../schedule/period.js';
import { assertTimezone, parseStart } from '../schedule/start.js';
import type { TaskSpec } from '../store/records.js';
import { resolveInterpreter, type InterpreterMap } from './interpreter.js';
import { assertTaskName } from './name.js';
import { checkPolicyOptions, checkRunOptions } from './run-options.js';

/** Options of `addTask`. */
export interface AddTaskOptions {
  /**
   * Working directory of the script; the script path is resolved against it.
   * @defaultValue `process.cwd()` at the time of `addTask`
   */
  wd?: string;
  /** Extra environment variables (strings, numbers or booleans), added to the caller's environment. */
  env?: Record<string, string | number | boolean>;
  /** Arguments passed to the script. */
  args?: ReadonlyArray<string | number>;
  /** Interpreter name (a key of `interpreters` or a built-in: node, tsx, python3, Rscript, bash, sh) or a command array. */
  interpreter?: string | string[];
  /**
   * Restart the task whenever it exits (while a supervisor runs).
   * @defaultValue true
   */
  infiniteLoop?: boolean;
  /** Run periodically, e.g. `'30 sec'`, `'2 min'`, `'1 hour'`, `'day'`, `'1 week'`, `'1 month'`. */
  period?: string;
  /** Anchor of the period: runs fire at `start + k·period`. Wall-clock strings are read in `timezone`. */
  start?: string | Date | number;
  /** IANA time zone for `start` and for calendar periods (day, week, month). @defaultValue the system zone */
  timezone?: string;
  /** Give up restarting after this many restarts within an hour. @defaultValue unlimited */
  maxRestarts?: number;
  /** Update the task if it exists, instead of warning and skipping. @defaultValue false */
  replace?: boolean;
  /**
   * Cron expression: 5 fields (`minute hour day-of-month month day-of-week`) or 6 (seconds first), read in `timezone`.
   * Sunday is 0 or 7. Exclusive with `period`.
   * @example `'30 2 * * *'` (02:30 every day), `'*\/10 * * * * *'` (every 10 seconds)
   */
  cron?: string;
  /**
   * Slots missed while no supervisor ran: `'none'` skips them, `'one'` runs the latest once (or none, when a slot is on time in the
   * same pass: that slot is then the one run), `'all'` runs each (up to `maxCatchUp`), oldest first.
   * @defaultValue 'one'
   */
  catchUp?: 'none' | 'one' | 'all';
  /** Most missed slots `catchUp: 'all'` runs. @defaultValue 10 */
  maxCatchUp?: number;
  /**
   * A slot due while a run is live: `'skip'` it, `'queue'` it (at most one pending), `'replace'` the live run, or `'allow'` a second run.
   * @defaultValue 'skip'
   */
  overlap?: 'skip' | 'queue' | 'replace' | 'allow';
  /**
   * Delay each scheduled run by up to this much (at most 365 days): ms or a period string like `'30 sec'`. The delay is fixed
   * per slot, and always less than the gap to the next slot. @defaultValue 0
   */
  jitter?: number | string;
  /** Stop a run (its whole tree) after this long: ms or a period string, from 1 ms to 365 days. Recorded as `timedOut`. @defaultValue none */
  timeout?: number | string | null;
  /** Write a header (task, runId, pid, trigger, start, host, user, interpreter, script, command) and a footer (exit, end, duration) into each output. @defaultValue true */
  header?: boolean;
  /** Prefix every output line with its ISO time. Output then goes through a small writer process. @defaultValue false */
  timestamps?: boolean;
  /** `'separate'` writes stderr to `<name>.err.txt` (archived alongside). @defaultValue 'merge' */
  stderr?: 'merge' | 'separate';
  /** Rotate the live output into an archive when it exceeds this size (bytes or `'1 MB'`, at least 4 KiB). @defaultValue none */
  maxOutputBytes?: number | string | null;
  /** Delete the task's oldest archives beyond this total size (bytes or `'100 MB'`). @defaultValue none */
  maxArchiveBytes?: number | string | null;
  /** Restart the task when its process tree's RSS exceeds this (bytes or `'512 MB'`). @defaultValue none */
  maxMemory?: number | string | null;
  /** When and where to alert for this task (overrides the Executor's `alert`); `false` turns alerts off. */
  alert?: AlertOptions | false;
}

const KNOWN_OPTIONS = new Set([
  'wd', 'env', 'args', 'interpreter', 'infiniteLoop', 'period', 'start', 'timezone', 'maxRestarts', 'replace',
  'cron', 'catchUp', 'maxCatchUp', 'overlap', 'jitter', 'timeout', 'header', 'timestamps', 'stderr', 'maxOutputBytes', 'maxArchiveBytes', 'maxMemory', 'alert',
]);
const ENV_KEY = /^[^=\0]+$/;

/** Validates an `env` option into strings. */
export function checkEnv(env: unknown): Record<string, string> {
  if (env === undefined) return {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new InvalidOptionError('env', 'an object of environment variables', env);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) throw new InvalidOptionError('env', 'variable names without "=" or NUL', key, 'ERR_INVALID_ENV');
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) throw new InvalidEnvError(key, value);
    if (typeof value === 'string' && value.includes('\0')) throw new InvalidEnvError(key, value);
    out[key] = String(value);
  }
  return out;
}

/** Validates an `args` option into strings. */
export function checkArgs(args: unknown): string[] {
  if (args === undefined) return [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' || (typeof a === 'number' && Number.isFinite(a)))) {
    throw new InvalidOptionError('args', 'an array of strings or numbers', args);
  }
  return args.map(String);
}

function checkWd(wd: unknown): string {
  if (wd === undefined) return process.cwd();
  if (typeof wd !== 'string' || wd.length === 0) throw new InvalidOptionError('wd', 'a directory path string', wd);
  const abs = resolve(wd);
  let isDir = false;
  try { isDir = statSync(abs).isDirectory(); } catch { isDir = false; }
  if (!isDir) throw new WorkingDirectoryNotFoundError(abs);
  return abs;
}

function checkOptionsObject(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) if (!KNOWN_OPTIONS.has(key)) throw new InvalidOptionError('options', `made of known options (${[...KNOWN_OPTIONS].join(', ')})`, key);
  return options as Record<string, unknown>;
}

function checkSchedule(o: Record<string, unknown>, now: number): Pick<TaskSpec, 'period' | 'start' | 'timezone'> {
  const timezone = o.timezone === undefined ? null : assertTimezone(o.timezone);
  const period = o.period === undefined ? null : parsePeriod(o.period).text;
  if (o.start !== undefined && o.cron !== undefined) throw new ConflictingOptionsError('start', 'cron', { start: o.start, cron: o.cron });
  if (o.start !== undefined && period === null) throw new InvalidStartError(o.start);
  const start = period === null ? null : new Date(o.start === undefined ? now : parseStart(o.start, timezone)).toISOString();
  return { period, start, timezone };
}

/** Validates `addTask(name, script, options)` and builds the task's definition. Writes nothing. */
export function buildTaskSpec(name: unknown, script: unknown, options: unknown, interpreters: InterpreterMap, now: number): TaskSpec {
  assertTaskName(name);
  if (typeof script !== 'string' || script.length === 0) throw new InvalidOptionError('script', 'a non-empty script path string', script);
  const o = checkOptionsObject(options);
  const wd = checkWd(o.wd);
  const env = checkEnv(o.env);
  const args = checkArgs(o.args);
  if (o.infiniteLoop !== undefined && typeof o.infiniteLoop !== 'boolean') throw new InvalidOptionError('infiniteLoop', 'a boolean', o.infiniteLoop);
  if (o.replace !== undefined && typeof o.replace !== 'boolean') throw new InvalidOptionError('replace', 'a boolean', o.replace);
  if (o.maxRestarts !== undefined && !(Number.isInteger(o.maxRestarts) && (o.maxRestarts as number) > 0)) throw new InvalidOptionError('maxRestarts', 'a positive integer', o.maxRestarts);
  const schedule = checkSchedule(o, now);
  const policies = checkPolicyOptions(o, schedule.timezone);
  const runOptions = checkRunOptions(o);
  const { command, label } = resolveInterpreter(resolve(wd, script), o.interpreter, interpreters);
  return {
    ...policies, ...runOptions,
    name, script, wd, env, args, interpreter: label, command,
    infiniteLoop: (o.infiniteLoop as boolean | undefined) ?? true,
    ...schedule,
    maxRestarts: (o.maxRestarts as number | undefined) ?? null,
    addedAt: new Date(now).toISOString(),
  };
}

// Validation of addTask's arguments into a TaskSpec. Runs before anything is written.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AlertOptions } from '../alert/types.js';
import { ConflictingOptionsError, InvalidOptionError, InvalidStartError, WorkingDirectoryNotFoundError } from '../errors.js';
import {
  assertNoNul, checkArgs, checkEnv, checkProgramOptions, checkScriptProgramFields, checkTaskExtras, type ProgramFields, type StepOptions,
} from '../program/options.js';
import { parsePeriod } from '../schedule/period.js';
import { assertTimezone, parseStart } from '../schedule/start.js';
import type { TaskSpec } from '../store/records.js';
import { resolveInterpreter, type InterpreterMap } from './interpreter.js';
import { assertTaskName } from './name.js';
import { checkRelationOptions, type RelationOptions } from './options-deps.js';
import { checkPlacementOptions, type PlacementOptions } from './options-placement.js';
import { checkEnvOptions, type EnvOptions } from './options-env.js';
import { checkProcessOptions, type ProcessOptions } from './options-process.js';
import { checkPolicyOptions, checkRunOptions } from './run-options.js';

export { checkArgs, checkEnv } from '../program/options.js';

/** Options of `addTask`. */
export interface AddTaskOptions extends RelationOptions, EnvOptions, ProcessOptions, PlacementOptions {
  /**
   * Working directory of the script; the script path is resolved against it.
   * @defaultValue `process.cwd()` at the time of `addTask`
   */
  wd?: string;
  /** Extra environment variables (strings, numbers or booleans), added to the caller's environment. */
  env?: Record<string, string | number | boolean>;
  /** Arguments passed to the script (script tasks only: a program's steps have their own). */
  args?: ReadonlyArray<string | number>;
  /**
   * Interpreter name (a key of `interpreters` or a built-in: node, tsx, python3, Rscript, bash, sh) or a command array.
   * Script tasks only: a program's steps have their own.
   */
  interpreter?: string | string[];
  /**
   * Restart the task whenever it exits (while a supervisor runs).
   * @defaultValue true for a script task, false for a program
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
  /**
   * Stop a run (its whole tree) after this long: ms or a period string, from 1 ms to 365 days. Recorded as `timedOut`.
   * On a program, the default `timeout` of each step, applied to each attempt. @defaultValue none
   */
  timeout?: number | string | null;
  /** Write a header (task, runId, pid, trigger, start, host, user, interpreter, script, command) and a footer (exit, end, duration) into each output. @defaultValue true */
  header?: boolean;
  /**
   * Keep the processes a run leaves running when its main process exits (a script that daemonizes). By default they are
   * stopped as the run is closed, as systemd stops a unit's leftover processes. `stopTask` and `removeTask` stop them in
   * any case, and so does a supervisor that finds the run's shim killed.
   * @defaultValue false
   * @example `await ex.addTask('vpn', 'start-vpn.sh', { infiniteLoop: false, keepOrphans: true })`
   */
  keepOrphans?: boolean;
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
  /**
   * The script, in the object form `addTask(name, { script, ...options })` only (the three-argument form takes it as
   * the second argument). Exclusive with `steps`.
   */
  script?: string;
  /**
   * Makes the task a *program*: steps run one after the other in each run, each with its own output file, timeout and
   * retries. Object form only: `addTask(name, { steps, ...options })`. Exclusive with `script`.
   * @example `[{ name: 'extract', script: 'extract.py' }, { name: 'load', script: 'load.sql', retries: 5 }]`
   */
  steps?: StepOptions[];
  /** Settings handed to every run in its `EXECUTOR_RUN_FILE`: a plain object of JSON values, at most 1 MB. @defaultValue `{}` */
  config?: Record<string, unknown>;
  /** Programs only: how often a step is retried after a retryable exit code or a timeout (a step's own `retries` wins). @defaultValue 3 */
  retries?: number;
  /** Programs only: exit codes (1 to 255) that make a step retryable. @defaultValue `[75]` (minus any code of `skipExitCodes`) */
  retryExitCodes?: number[];
  /** Programs only: exit codes (1 to 255) that mark a step skipped, the run going on with the next step. @defaultValue `[]` */
  skipExitCodes?: number[];
  /**
   * Programs only: base of the delay before a step's retries, doubled each retry (`retryDelay * 2^(n-1)`) and capped at
   * 5 minutes: ms or a period string, from 0 to 1 day. @defaultValue 1000
   */
  retryDelay?: number | string;
  /** Event types (`emitEvent(type)`) that start a run of this task, e.g. `['order.created']`. @defaultValue `[]` */
  on?: string[];
  /** Most live runs of this task at once; more are queued. `null` for no limit. @defaultValue 1 for a program, no limit for a script task */
  concurrency?: number | null;
  /** Ended, unsaved runs kept (older ones are deleted with their output). @defaultValue 100 */
  keepRuns?: number;
  /** Labels to filter `listTasks({ tag })` by: letters, digits, `.`, `_`, `:`, `-`, at most 100 characters each. @defaultValue `[]` */
  tags?: string[];
  /** Free text about the task, at most 10000 characters. @defaultValue none */
  description?: string | null;
}

const COMMON_OPTIONS = [
  'wd', 'env', 'args', 'interpreter', 'infiniteLoop', 'period', 'start', 'timezone', 'maxRestarts', 'replace',
  'cron', 'catchUp', 'maxCatchUp', 'overlap', 'jitter', 'timeout', 'header', 'timestamps', 'stderr', 'maxOutputBytes', 'maxArchiveBytes', 'maxMemory', 'alert',
  'steps', 'config', 'retries', 'retryExitCodes', 'skipExitCodes', 'retryDelay', 'on', 'concurrency', 'keepRuns', 'tags', 'description', 'keepOrphans',
  'dependsOn', 'ready', 'readyTimeout', 'restartWith', 'after', 'maxChainDepth', 'envFile', 'secretEnv', 'user', 'group', 'limits', 'nice',
  'hosts', 'labels',
];
/** Options of `addTask(name, script, options)`. */
const KNOWN_OPTIONS = new Set(COMMON_OPTIONS);
/** Options of the object form `addTask(name, options)`: the same, plus `script`. */
const OBJECT_FORM_OPTIONS = new Set([...COMMON_OPTIONS, 'script']);
// The task-level options a program does not take (its steps have them).
const SCRIPT_ONLY_OPTIONS = ['interpreter', 'args'] as const;

function checkWd(wd: unknown): string {
  if (wd === undefined) return process.cwd();
  if (typeof wd !== 'string' || wd.length === 0) throw new InvalidOptionError('wd', 'a directory path string', wd);
  assertNoNul(wd, 'wd');
  const abs = resolve(wd);
  let isDir = false;
  try { isDir = statSync(abs).isDirectory(); } catch { isDir = false; }
  if (!isDir) throw new WorkingDirectoryNotFoundError(abs);
  return abs;
}

function checkOptionsObject(options: unknown, known: Set<string>): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new InvalidOptionError('options', `made of known options (${[...known].join(', ')})`, key);
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

/** The script (or `undefined`) and the options of `addTask`, in either form. */
export interface AddTaskArguments {
  /** The script path as given: the second argument, or the `script` option of the object form. */
  script: unknown;
  /** The options object (`{}` when none), its keys checked. */
  options: Record<string, unknown>;
}

/**
 * Sorts out the two forms of `addTask`: `(name, script, options?)` and the object form `(name, options)`, where the
 * second argument is an options object (with `steps` or `script`).
 *
 * @throws InvalidOptionError for a third argument next to an options object, a non-object `options`, or an unknown option.
 * @example
 * ```ts
 * addTaskArguments({ script: 'x.js', wd }, undefined); // { script: 'x.js', options: { script: 'x.js', wd } }
 * addTaskArguments('x.js', { wd });                     // { script: 'x.js', options: { wd } }
 * ```
 */
export function addTaskArguments(script: unknown, options: unknown): AddTaskArguments {
  if (typeof script !== 'object' || script === null || Array.isArray(script)) return { script, options: checkOptionsObject(options, KNOWN_OPTIONS) };
  if (options !== undefined) throw new InvalidOptionError('options', 'absent when the second argument is an options object', options);
  const o = checkOptionsObject(script, OBJECT_FORM_OPTIONS);
  return { script: o.script, options: o };
}

// The script of a script task, or null for a program; rejects both or neither, and script-only options on a program.
function checkScriptOrSteps(script: unknown, o: Record<string, unknown>): string | null {
  if (script !== undefined && o.steps !== undefined) throw new ConflictingOptionsError('script', 'steps', { script, steps: o.steps });
  if (o.steps !== undefined) {
    for (const option of SCRIPT_ONLY_OPTIONS) {
      if (o[option] !== undefined) throw new InvalidOptionError(option, `absent on a program (set \`${option}\` on each step)`, o[option]);
    }
    return null;
  }
  if (typeof script !== 'string' || script.length === 0) throw new InvalidOptionError('script', 'a non-empty script path string, or `steps`', script);
  assertNoNul(script, 'script');
  assertNoNul(o.interpreter, 'interpreter');
  return script;
}

/**
 * Validates `addTask(name, script, options)` or `addTask(name, options)` (the object form, for programs and scripts)
 * and builds the task's definition. Writes nothing.
 */
export function buildTaskSpec(name: unknown, script: unknown, options: unknown, interpreters: InterpreterMap, now: number): TaskSpec {
  assertTaskName(name);
  const given = addTaskArguments(script, options);
  const o = given.options;
  const scriptPath = checkScriptOrSteps(given.script, o);
  const wd = checkWd(o.wd);
  const env = checkEnv(o.env);
  const args = checkArgs(o.args);
  if (o.infiniteLoop !== undefined && typeof o.infiniteLoop !== 'boolean') throw new InvalidOptionError('infiniteLoop', 'a boolean', o.infiniteLoop);
  if (o.replace !== undefined && typeof o.replace !== 'boolean') throw new InvalidOptionError('replace', 'a boolean', o.replace);
  if (o.keepOrphans !== undefined && typeof o.keepOrphans !== 'boolean') throw new InvalidOptionError('keepOrphans', 'a boolean', o.keepOrphans);
  if (o.maxRestarts !== undefined && !(Number.isInteger(o.maxRestarts) && (o.maxRestarts as number) > 0)) throw new InvalidOptionError('maxRestarts', 'a positive integer', o.maxRestarts);
  const schedule = checkSchedule(o, now);
  const policies = checkPolicyOptions(o, schedule.timezone);
  const runOptions = checkRunOptions(o);
  const program: ProgramFields = scriptPath === null
    ? checkProgramOptions(o, { wd, timeoutMs: runOptions.timeoutMs, interpreters })
    : checkScriptProgramFields(o);
  const extras = checkTaskExtras(o, scriptPath === null);
  const relations = { ...checkRelationOptions(o), ...checkEnvOptions(o), ...checkProcessOptions(o), ...checkPlacementOptions(o) };
  const { command, label } = scriptPath === null ? { command: [], label: null } : resolveInterpreter(resolve(wd, scriptPath), o.interpreter, interpreters, wd);
  return {
    ...policies, ...runOptions, ...program, ...extras, ...relations,
    name, script: scriptPath ?? '', wd, env, args, interpreter: label, command,
    infiniteLoop: (o.infiniteLoop as boolean | undefined) ?? scriptPath !== null,
    ...schedule,
    maxRestarts: (o.maxRestarts as number | undefined) ?? null,
    keepOrphans: (o.keepOrphans as boolean | undefined) ?? false,
    addedAt: new Date(now).toISOString(),
  };
}

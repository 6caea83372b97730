// Validation of the issue-4 addTask options: a program's steps and retry settings, and the options every task has.
// Writes nothing. `checkEnv` / `checkArgs` live here (re-exported by task/options.ts) so imports stay one-way.
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import {
  InvalidDurationError, InvalidEnvError, InvalidExitCodesError, InvalidOptionError, InvalidPayloadError, InvalidStepsError,
  InvalidTaskNameError, WorkingDirectoryNotFoundError,
} from '../errors.js';
import { assertEventType } from '../event/type.js';
import { parseDuration } from '../schedule/duration.js';
import { TASK_DEFAULTS, type StepSpec, type TaskSpec } from '../store/records.js';
import { assertRunnable, builtinExtensions, builtinNames, resolveInterpreter, type InterpreterMap } from '../task/interpreter.js';
import { assertTaskName } from '../task/name.js';
import { MAX_DURATION_MS } from '../task/run-options.js';
import { checkPayload } from './payload.js';

/** Ended, unsaved runs kept per task when `keepRuns` is not given: 100. */
export const DEFAULT_KEEP_RUNS = TASK_DEFAULTS.keepRuns;
/** Live runs of a program at once, when `concurrency` is not given (script tasks have no limit). */
export const DEFAULT_PROGRAM_CONCURRENCY = 1;
/** Smallest exit code of `retryExitCodes` / `skipExitCodes` (0 means success). */
export const MIN_EXIT_CODE = 1;
/** Largest exit code of `retryExitCodes` / `skipExitCodes`. */
export const MAX_EXIT_CODE = 255;
/** Largest accepted `retryDelay`: 1 day. */
export const MAX_RETRY_DELAY_OPTION_MS = 86_400_000;
/** Shortest accepted step `timeout`: 1 ms (the longest is `MAX_DURATION_MS`, 365 days). */
export const MIN_STEP_TIMEOUT_MS = 1;
/** Longest tag. */
export const MAX_TAG_LENGTH = 100;
/** Allowed tags: letters, digits, `.`, `_`, `:` or `-`, at most {@link MAX_TAG_LENGTH} characters. */
export const TAG_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_TAG_LENGTH}}$`);
/** Longest `description`, in characters. */
export const MAX_DESCRIPTION_LENGTH = 10_000;
/** Extension of SQL scripts, fed to their interpreter on stdin unless its command ends in a flag such as `-f`. */
export const SQL_EXTENSION = '.sql';
/** The keys a step object may have. */
export const STEP_KEYS: readonly string[] = ['name', 'script', 'args', 'env', 'wd', 'timeout', 'retries', 'interpreter'];
/** Options only a program (a task with `steps`) may have. */
export const PROGRAM_ONLY_OPTIONS: readonly string[] = ['retries', 'retryExitCodes', 'skipExitCodes', 'retryDelay'];

/** One step of a program, as given to `addTask`. */
export interface StepOptions {
  /** Unique within the program; same rules as task names. Names the step's output file `<name>.txt`. */
  name: string;
  /** Script path, relative to the step's `wd`. */
  script: string;
  /** Arguments passed to the script. */
  args?: ReadonlyArray<string | number>;
  /** Environment variables added over the task's `env`. */
  env?: Record<string, string | number | boolean>;
  /** Working directory, resolved against the task's `wd`. @defaultValue the task's `wd` */
  wd?: string;
  /** Timeout of each attempt: ms or a period string, 1 ms to 365 days; `null` for none. @defaultValue the task's `timeout` */
  timeout?: number | string | null;
  /** Retries of this step. @defaultValue the task's `retries` */
  retries?: number;
  /** Interpreter name or command array. @defaultValue by the script's extension (the `interpreters` map first) */
  interpreter?: string | string[];
}

/** What step checks need from the task. */
export interface StepCheckContext {
  /** The task's absolute working directory. */
  wd: string;
  /** The task's timeout, the default of each step's. */
  timeoutMs: number | null;
  /** The Executor's `interpreters` map. */
  interpreters: InterpreterMap;
}

/** The program fields of a task spec. */
export type ProgramFields = Pick<TaskSpec, 'steps' | 'config' | 'retries' | 'retryExitCodes' | 'skipExitCodes' | 'retryDelayMs'>;
/** The issue-4 fields every task has. */
export type TaskExtraFields = Pick<TaskSpec, 'on' | 'concurrency' | 'keepRuns' | 'tags' | 'description'>;

const ENV_KEY = /^[^=\0]+$/;
const EXIT_CODES_EXPECTED = `an array of exit codes from ${MIN_EXIT_CODE} to ${MAX_EXIT_CODE} (0 means success)`;
// InvalidTaskNameError's wording ("a task name matching …"), cut out of its message so step names say the same.
const NAME_EXPECTED = ((): string => {
  const message = new InvalidTaskNameError('').message;
  return message.slice('Expected `name` to be '.length, message.length - ', got "".'.length);
})();

/** What a path, argument or command word must be: NUL ends a C string, so the OS would cut it there (or refuse it). */
export const NO_NUL_EXPECTED = 'a string without NUL bytes ("\\0")';

/**
 * Throws `InvalidOptionError` if `value` (a string, or an array of strings) holds a NUL byte; anything else passes,
 * for the option's own check to judge.
 * @example `assertNoNul(['a\0b'], 'args'); // throws: Expected \`args[0]\` to be a string without NUL bytes ("\\0"), got "a\u0000b".`
 */
export function assertNoNul(value: unknown, option: string): void {
  if (typeof value === 'string' && value.includes('\0')) throw new InvalidOptionError(option, NO_NUL_EXPECTED, value);
  if (Array.isArray(value)) Array.from(value as unknown[]).forEach((item, i) => assertNoNul(typeof item === 'string' ? item : null, `${option}[${i}]`));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function integerAtLeast(value: unknown, option: string, min: number): number {
  if (!(Number.isInteger(value) && (value as number) >= min)) throw new InvalidOptionError(option, `an integer >= ${min}`, value);
  return value as number;
}

// A duration within [min, max] ms; every failure names the range.
function durationWithin(value: unknown, option: string, min: number, max: number, range: string): number {
  const fail = () => new InvalidDurationError(option, value, `a duration from ${range} (ms, or a period string like '30 sec' or '2 min')`);
  let ms: number;
  try { ms = parseDuration(value, option); } catch { throw fail(); }
  if (ms < min || ms > max) throw fail();
  return ms;
}

/** Validates an `env` option into strings; `option` names it in errors (`env`, `steps[0].env`). */
export function checkEnv(env: unknown, option = 'env'): Record<string, string> {
  if (env === undefined) return {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw new InvalidOptionError(option, 'an object of environment variables', env);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) throw new InvalidOptionError(option, 'variable names without "=" or NUL', key, 'ERR_INVALID_ENV');
    const ok = typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && !value.includes('\0'));
    if (!ok && option === 'env') throw new InvalidEnvError(key, value);
    if (!ok) throw new InvalidOptionError(`${option}.${key}`, 'a string, number or boolean', value, 'ERR_INVALID_ENV');
    out[key] = String(value);
  }
  return out;
}

/** Validates an `args` option into strings; `option` names it in errors (`args`, `steps[0].args`). */
export function checkArgs(args: unknown, option = 'args'): string[] {
  if (args === undefined) return [];
  // Array.from turns holes of a sparse array into undefined, which is then rejected.
  const list = Array.isArray(args) ? Array.from(args as unknown[]) : null;
  if (list === null || !list.every((a) => typeof a === 'string' || (typeof a === 'number' && Number.isFinite(a)))) {
    throw new InvalidOptionError(option, 'an array of strings or numbers', args);
  }
  assertNoNul(list, option);
  return list.map(String);
}

function checkStepName(name: unknown, at: string): string {
  try {
    assertTaskName(name);
  } catch {
    throw new InvalidStepsError(`${at}.name`, NAME_EXPECTED, name);
  }
  return name as string;
}

function checkStepWd(wd: unknown, at: string, taskWd: string): string {
  if (wd === undefined) return taskWd;
  if (typeof wd !== 'string' || wd.length === 0) throw new InvalidOptionError(`${at}.wd`, 'a directory path string', wd);
  assertNoNul(wd, `${at}.wd`);
  const abs = resolve(taskWd, wd);
  let isDir = false;
  try { isDir = statSync(abs).isDirectory(); } catch { isDir = false; }
  if (!isDir) throw new WorkingDirectoryNotFoundError(abs);
  return abs;
}

function knownInterpreters(user: InterpreterMap): string[] {
  return [...new Set([...Object.keys(builtinExtensions()), ...Object.keys(builtinNames()), ...Object.keys(user)])];
}

// The step's command. Unlike a script task, a step with no interpreter for its extension is rejected now, even
// when its file does not exist yet (only an existing executable file runs directly).
function stepCommand(scriptPath: string, interpreter: unknown, user: InterpreterMap, wd: string): Pick<StepSpec, 'interpreter' | 'command' | 'stdin'> {
  const { command, label } = resolveInterpreter(scriptPath, interpreter, user, wd);
  if (interpreter === undefined || interpreter === null) assertRunnable(scriptPath, command, knownInterpreters(user));
  const last = command[command.length - 1];
  const stdin = extname(scriptPath).toLowerCase() === SQL_EXTENSION && last !== undefined && !last.startsWith('-');
  return { interpreter: label, command, stdin };
}

function checkStep(step: unknown, i: number, ctx: StepCheckContext): StepSpec {
  const at = `steps[${i}]`;
  if (!isPlainObject(step)) throw new InvalidStepsError(at, 'a step object like { name, script }', step);
  for (const key of Object.keys(step)) {
    if (!STEP_KEYS.includes(key)) throw new InvalidStepsError(at, `made of known step keys (${STEP_KEYS.join(', ')})`, key);
  }
  const name = checkStepName(step.name, at);
  if (typeof step.script !== 'string' || step.script.length === 0) throw new InvalidStepsError(`${at}.script`, 'a non-empty script path string', step.script);
  assertNoNul(step.script, `${at}.script`);
  assertNoNul(step.interpreter, `${at}.interpreter`);
  const args = checkArgs(step.args, `${at}.args`);
  const env = checkEnv(step.env, `${at}.env`);
  const wd = checkStepWd(step.wd, at, ctx.wd);
  const timeoutMs = step.timeout === undefined ? ctx.timeoutMs
    : step.timeout === null ? null : durationWithin(step.timeout, `${at}.timeout`, MIN_STEP_TIMEOUT_MS, MAX_DURATION_MS, '1 ms to 365 days');
  const retries = step.retries === undefined ? null : integerAtLeast(step.retries, `${at}.retries`, 0);
  return { name, script: step.script, wd, env, args, ...stepCommand(resolve(wd, step.script), step.interpreter, ctx.interpreters, wd), timeoutMs, retries };
}

/**
 * Validates a program's `steps` into step specs: a non-empty array of step objects with unique names.
 *
 * @throws InvalidStepsError for an empty or non-array list, a non-object step, an unknown step key, a bad or
 *   duplicate name, or a missing script; the errors of `args`, `env`, `wd`, `timeout`, `retries`, `interpreter` otherwise.
 * @example
 * ```ts
 * checkSteps([{ name: 'extract', script: 'extract.py' }, { name: 'load', script: 'load.sql' }], { wd, timeoutMs: null, interpreters: { '.sql': ['sqlite3', 'app.db'] } });
 * ```
 */
export function checkSteps(steps: unknown, ctx: StepCheckContext): StepSpec[] {
  if (!Array.isArray(steps) || steps.length === 0) throw new InvalidStepsError('steps', 'a non-empty array of steps', steps);
  const out: StepSpec[] = [];
  const seen = new Set<string>();
  // An index loop, so holes of a sparse array are checked (and rejected) too.
  for (let i = 0; i < steps.length; i += 1) {
    const spec = checkStep(steps[i], i, ctx);
    if (seen.has(spec.name)) throw new InvalidStepsError('steps', 'steps with unique names', spec.name);
    seen.add(spec.name);
    out.push(spec);
  }
  return out;
}

function exitCodes(value: unknown, option: string): number[] {
  const list = Array.isArray(value) ? Array.from(value as unknown[]) : null;
  if (list === null || !list.every((c) => Number.isInteger(c) && (c as number) >= MIN_EXIT_CODE && (c as number) <= MAX_EXIT_CODE)) {
    throw new InvalidExitCodesError(option, EXIT_CODES_EXPECTED, value);
  }
  return [...new Set(list as number[])];
}

// Two explicit lists must not share a code; codes of an explicit `skipExitCodes` are dropped from the default `retryExitCodes`.
function checkExitCodeLists(o: Record<string, unknown>): Pick<TaskSpec, 'retryExitCodes' | 'skipExitCodes'> {
  const skipExitCodes = o.skipExitCodes === undefined ? [...TASK_DEFAULTS.skipExitCodes] : exitCodes(o.skipExitCodes, 'skipExitCodes');
  if (o.retryExitCodes === undefined) return { retryExitCodes: TASK_DEFAULTS.retryExitCodes.filter((c) => !skipExitCodes.includes(c)), skipExitCodes };
  const retryExitCodes = exitCodes(o.retryExitCodes, 'retryExitCodes');
  const common = retryExitCodes.filter((c) => skipExitCodes.includes(c));
  if (common.length > 0) throw new InvalidExitCodesError('retryExitCodes` and `skipExitCodes', 'lists with no exit code in common', common);
  return { retryExitCodes, skipExitCodes };
}

/** Validates a task's `config` (any task): a plain object of JSON values, at most 1 MB; returns a clean clone. @defaultValue `{}` */
export function checkConfig(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new InvalidPayloadError('config', 'a plain object of JSON values', value);
  return checkPayload(value, 'config').value as Record<string, unknown>;
}

/** Validates the options of a program (`steps` given): `steps`, `config`, `retries`, `retryExitCodes`, `skipExitCodes`, `retryDelay`. */
export function checkProgramOptions(o: Record<string, unknown>, ctx: StepCheckContext): ProgramFields {
  const steps = checkSteps(o.steps, ctx);
  const config = checkConfig(o.config);
  const retries = o.retries === undefined ? TASK_DEFAULTS.retries : integerAtLeast(o.retries, 'retries', 0);
  const retryDelayMs = o.retryDelay === undefined ? TASK_DEFAULTS.retryDelayMs
    : durationWithin(o.retryDelay, 'retryDelay', 0, MAX_RETRY_DELAY_OPTION_MS, '0 ms to 1 day');
  return { steps, config, retries, ...checkExitCodeLists(o), retryDelayMs };
}

/** The program fields of a script task: rejects the program-only options, checks `config`, fills the defaults (fresh arrays). */
export function checkScriptProgramFields(o: Record<string, unknown>): ProgramFields {
  for (const option of PROGRAM_ONLY_OPTIONS) {
    if (o[option] !== undefined) throw new InvalidOptionError(option, 'used only on a program (a task with `steps`)', o[option]);
  }
  return {
    steps: null, config: checkConfig(o.config), retries: TASK_DEFAULTS.retries, retryExitCodes: [...TASK_DEFAULTS.retryExitCodes],
    skipExitCodes: [...TASK_DEFAULTS.skipExitCodes], retryDelayMs: TASK_DEFAULTS.retryDelayMs,
  };
}

// A deduplicated list of strings, each checked by `check(item, 'option[i]')`.
function stringList(value: unknown, option: string, what: string, check: (item: unknown, at: string) => void): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError(option, `an array of ${what}`, value);
  const list = Array.from(value as unknown[]);
  list.forEach((item, i) => check(item, `${option}[${i}]`));
  return [...new Set(list as string[])];
}

/** Validates `on`, `concurrency`, `keepRuns`, `tags`, `description` (any task); `isProgram` picks the `concurrency` default. */
export function checkTaskExtras(o: Record<string, unknown>, isProgram: boolean): TaskExtraFields {
  const on = stringList(o.on, 'on', 'event types', (item, at) => assertEventType(item, at));
  const tags = stringList(o.tags, 'tags', 'tags', (item, at) => {
    if (typeof item !== 'string' || !TAG_PATTERN.test(item)) throw new InvalidOptionError(at, `a tag matching ${String(TAG_PATTERN)}`, item);
  });
  const concurrency = o.concurrency === undefined ? (isProgram ? DEFAULT_PROGRAM_CONCURRENCY : null)
    : o.concurrency === null ? null : integerAtLeast(o.concurrency, 'concurrency', 1);
  const keepRuns = o.keepRuns === undefined ? DEFAULT_KEEP_RUNS : integerAtLeast(o.keepRuns, 'keepRuns', 1);
  const d = o.description;
  if (d !== undefined && d !== null && !(typeof d === 'string' && d.length <= MAX_DESCRIPTION_LENGTH)) {
    throw new InvalidOptionError('description', `a string of at most ${MAX_DESCRIPTION_LENGTH} characters`, d);
  }
  return { on, concurrency, keepRuns, tags, description: (d as string | null | undefined) ?? null };
}

// Every error the library throws is an ExecutorError subclass with a stable `code`.
// Messages are built here, in one place, in the form "Expected `x` to be …, got …".

/** Stable machine-readable error codes. */
export type ExecutorErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_TASK_NAME'
  | 'ERR_INVALID_PERIOD'
  | 'ERR_INVALID_START'
  | 'ERR_INVALID_TIMEZONE'
  | 'ERR_INVALID_ENV'
  | 'ERR_WD_NOT_FOUND'
  | 'ERR_SCRIPT_NOT_FOUND'
  | 'ERR_UNKNOWN_INTERPRETER'
  | 'ERR_INTERPRETER_MISSING'
  | 'ERR_TASK_NOT_FOUND'
  | 'ERR_ID_MISMATCH'
  | 'ERR_LEASE_HELD'
  | 'ERR_CORRUPT_RECORD'
  | 'ERR_WAIT_TIMEOUT'
  | 'ERR_LOCK'
  | 'ERR_SPAWN'
  | 'ERR_OUTPUT_NOT_FOUND'
  | 'ERR_INVALID_CRON'
  | 'ERR_INVALID_DURATION'
  | 'ERR_INVALID_TRIGGER'
  | 'ERR_INVALID_ALERT'
  | 'ERR_INVALID_POLICY'
  | 'ERR_CONFLICTING_OPTIONS'
  | 'ERR_RUN_NOT_FOUND'
  | 'ERR_INVALID_STEPS'
  | 'ERR_INVALID_EXIT_CODES'
  | 'ERR_INVALID_PAYLOAD'
  | 'ERR_INVALID_EVENT_TYPE'
  | 'ERR_USAGE'
  | 'ERR_FOLDER_NOT_FOUND'
  | 'ERR_RUN_FAILED'
  | 'ERR_NO_SPACE'
  | 'ERR_READ_ONLY'
  | 'ERR_FOLDER'
  | 'ERR_SERVE'
  | 'ERR_DEPENDENCY_CYCLE'
  | 'ERR_HAS_DEPENDENTS'
  | 'ERR_ENV_FILE'
  | 'ERR_PERMISSION'
  | 'ERR_CLUSTER'
  | 'ERR_SCHEMA_VERSION'
  | 'ERR_HOST_UNREACHABLE'
  | 'ERR_TASK_EXISTS';

// How much of a bad value an error message shows.
const MAX_SHOWN_CHARS = 120;
const MAX_SHOWN_NESTED_CHARS = 60;
const MAX_SHOWN_ITEMS = 5;
const ELLIPSIS = '...';

/** Renders a user-supplied value for an error message, short and unambiguous. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS - ELLIPSIS.length)}${ELLIPSIS}` : value);
  if (typeof value === 'bigint') return `${value}n`;
  return process.getBuiltinModule('node:util').inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: MAX_SHOWN_ITEMS, maxStringLength: MAX_SHOWN_NESTED_CHARS });
}

/** Builds the canonical "Expected `what` to be …, got …." message. */
export function expectedMessage(what: string, expected: string, got: unknown): string {
  return `Expected \`${what}\` to be ${expected}, got ${formatValue(got)}.`;
}

/**
 * Base class of every error thrown by executor-sdk.
 *
 * @example
 * ```ts
 * try { await ex.startTask('nope'); }
 * catch (e) { if (e instanceof ExecutorError && e.code === 'ERR_TASK_NOT_FOUND') await ex.addTask('nope', 'nope.js'); }
 * ```
 */
export class ExecutorError extends Error {
  /** Stable machine-readable code, e.g. `ERR_TASK_NOT_FOUND`. */
  readonly code: ExecutorErrorCode;

  constructor(code: ExecutorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A public option or argument has the wrong type or value. Nothing was written. */
export class InvalidOptionError extends ExecutorError {
  /** The option that was rejected, e.g. `sleep` or `env.FOO`. */
  readonly option: string;
  constructor(option: string, expected: string, got: unknown, code: ExecutorErrorCode = 'ERR_INVALID_OPTION') {
    super(code, expectedMessage(option, expected, got));
    this.option = option;
  }
}

/** A task name is not a safe file name: `[A-Za-z0-9][A-Za-z0-9._-]{0,99}`. */
export class InvalidTaskNameError extends InvalidOptionError {
  constructor(got: unknown) {
    super('name', 'a task name matching /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/ (letters, digits, ".", "_", "-"; at most 100 characters; not ending in an archive stamp like "_20260101-120000" nor in ".err")', got, 'ERR_INVALID_TASK_NAME');
  }
}

/** A period string could not be parsed, e.g. `'2 minz'`. */
export class InvalidPeriodError extends InvalidOptionError {
  constructor(got: unknown, option = 'period') {
    super(option, "a period like '30 sec', '2 min', '1 hour', 'day', '1 week' or '1 month'", got, 'ERR_INVALID_PERIOD');
  }
}

/** A `start` value is not a parseable date. */
export class InvalidStartError extends InvalidOptionError {
  constructor(got: unknown) {
    super('start', "a Date, an epoch in ms, or a date string like '2021-02-27 13:00:00'", got, 'ERR_INVALID_START');
  }
}

/** A `timezone` is not a known IANA zone. */
export class InvalidTimezoneError extends InvalidOptionError {
  constructor(got: unknown) {
    super('timezone', "an IANA time zone like 'America/New_York' or 'UTC'", got, 'ERR_INVALID_TIMEZONE');
  }
}

/** An `env` entry is not a string, number or boolean. */
export class InvalidEnvError extends InvalidOptionError {
  constructor(key: string, got: unknown) {
    super(`env.${key}`, 'a string, number or boolean', got, 'ERR_INVALID_ENV');
  }
}

/** A task's working directory does not exist or is not a directory. */
export class WorkingDirectoryNotFoundError extends InvalidOptionError {
  constructor(got: string) {
    super('wd', 'an existing directory', got, 'ERR_WD_NOT_FOUND');
  }
}

/** A task's script file is missing when the task is started. */
export class ScriptNotFoundError extends InvalidOptionError {
  /** Absolute path that was looked for. */
  readonly path: string;
  constructor(path: string) {
    super('script', 'an existing file', path, 'ERR_SCRIPT_NOT_FOUND');
    this.path = path;
  }
}

/** No interpreter is known for a script, or a named interpreter does not exist. */
export class UnknownInterpreterError extends InvalidOptionError {
  constructor(got: unknown, known: readonly string[]) {
    super('interpreter', `one of ${known.map((k) => JSON.stringify(k)).join(', ')}, a command array, or an executable script`, got, 'ERR_UNKNOWN_INTERPRETER');
  }
}

/**
 * A TypeScript script has nothing to run it: no `tsx` in the `node_modules` folders of its wd or of executor-sdk, and
 * either this Node cannot strip types (< 22.6) or `tsx` was asked for by name. Nothing was written.
 */
export class InterpreterMissingError extends ExecutorError {
  /** The interpreter that was looked for: `tsx`. */
  readonly interpreter = 'tsx';
  /** The script that needed it (absolute path). */
  readonly script: string;
  /** `why` says why nothing else would do, e.g. `Node 20.5.0 cannot strip types (that needs 22.6 or later)`. */
  constructor(script: string, wd: string, why: string) {
    super('ERR_INTERPRETER_MISSING', `Expected \`tsx\` to be installed to run ${formatValue(script)}, got none in the node_modules folders of ${formatValue(wd)} or of executor-sdk (${why}). Install it in your project: \`npm i -D tsx\`.`);
    this.script = script;
  }
}

/** ` (did you mean "a" or "b"?)` for the closest known names, or nothing when there are none. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => JSON.stringify(s));
  const list = quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
  return ` (did you mean ${list}?)`;
}

/** No task of that name exists in the folder. The message lists the closest names, if any. */
export class TaskNotFoundError extends ExecutorError {
  /** The name that was looked up. */
  readonly task: string;
  /** The closest existing task names (may be empty). */
  readonly suggestions: readonly string[];
  constructor(task: string, suggestions: readonly string[] = []) {
    super('ERR_TASK_NOT_FOUND', `Expected \`name\` to be an existing task, got ${formatValue(task)}: no such task${didYouMean(suggestions)}.`);
    this.task = task;
    this.suggestions = suggestions;
  }
}

/** The folder already belongs to an executor with another id. */
export class IdMismatchError extends ExecutorError {
  constructor(folder: string, storedId: string, givenId: string) {
    super('ERR_ID_MISMATCH', `Expected \`id\` to be ${formatValue(storedId)} (the id stored in ${folder}), got ${formatValue(givenId)}.`);
  }
}

/** Another supervisor holds the folder's lease. */
export class LeaseHeldError extends ExecutorError {
  /** Pid of the process holding the lease, when known. */
  readonly holderPid: number | null;
  constructor(folder: string, holderPid: number | null) {
    super('ERR_LEASE_HELD', `Expected no other supervisor on ${folder}, got one held by pid ${holderPid ?? 'unknown'}: at most one keepRestarting runs per folder.`);
    this.holderPid = holderPid;
  }
}

/** A record file could not be read or parsed; the message names the file. */
export class CorruptRecordError extends ExecutorError {
  /** Absolute path of the bad file. */
  readonly file: string;
  constructor(file: string, reason: string) {
    super('ERR_CORRUPT_RECORD', `Expected ${file} to hold a valid record, got ${reason}.`);
    this.file = file;
  }
}

/** `waitFor` (or another wait) ran out of time. */
export class WaitTimeoutError extends ExecutorError {
  constructor(what: string, timeoutMs: number, last: unknown) {
    super('ERR_WAIT_TIMEOUT', `Expected ${what} within ${timeoutMs} ms, got ${formatValue(last)} when the time ran out.`);
  }
}

/** A lock could not be taken in time. */
export class LockError extends ExecutorError {
  constructor(file: string, cause: unknown) {
    super('ERR_LOCK', `Expected to lock ${file}, got ${cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  }
}

/** The child process could not be spawned. */
export class SpawnError extends ExecutorError {
  constructor(task: string, cause: unknown) {
    super('ERR_SPAWN', `Expected task ${formatValue(task)} to spawn, got ${cause instanceof Error ? cause.message : String(cause)}.`, { cause });
  }
}

/** The requested output (current or archived) does not exist. */
export class OutputNotFoundError extends ExecutorError {
  constructor(task: string, which: unknown, message?: string) {
    super('ERR_OUTPUT_NOT_FOUND', message ?? `Expected an output of task ${formatValue(task)} for run ${formatValue(which)}, got none.`);
  }

  /** Following stderr of a task that writes it into its output (no `stderr: 'separate'`). */
  static noSeparateStderr(task: string): OutputNotFoundError {
    return new OutputNotFoundError(task, 'stderr', `Expected a separate stderr output of task ${formatValue(task)}, got none: it writes stderr into its output (add it with stderr: 'separate').`);
  }
}

/** A cron expression is not 5 or 6 valid fields, e.g. `'61 * * * *'`. */
export class InvalidCronError extends InvalidOptionError {
  constructor(got: unknown, detail?: string, option = 'cron') {
    super(option, `a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first)${detail ? ` (${detail})` : ''}`, got, 'ERR_INVALID_CRON');
  }
}

/** A duration (`timeout`, `jitter`) is negative, unparseable, in months, or out of range (a `timeout` under 1 ms; either over 365 days). */
export class InvalidDurationError extends InvalidOptionError {
  constructor(option: string, got: unknown, expected = "a number of milliseconds >= 0 or a period string like '30 sec' or '2 min'") {
    super(option, expected, got, 'ERR_INVALID_DURATION');
  }
}

/** A policy option (`catchUp`, `overlap`…) has an unknown value. */
export class InvalidPolicyError extends InvalidOptionError {
  constructor(option: string, allowed: readonly string[], got: unknown) {
    super(option, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, got, 'ERR_INVALID_POLICY');
  }
}

/** Two options that cannot be used together were both given, e.g. `period` and `cron`. */
export class ConflictingOptionsError extends InvalidOptionError {
  constructor(a: string, b: string, got: unknown) {
    super(`${a}\` and \`${b}`, 'not both given (they are mutually exclusive)', got, 'ERR_CONFLICTING_OPTIONS');
  }
}

/** A trigger date (runTask, runTasks) is not a date. */
export class InvalidTriggerError extends InvalidOptionError {
  constructor(got: unknown, option = 'trigger') {
    super(option, "an ISO date like '2019-01-01T08:00:00', runner's '2019-01-01/08:00:00', a Date or an epoch in ms", got, 'ERR_INVALID_TRIGGER');
  }
}

/** An alert option or channel is malformed, e.g. a webhook without a URL or an email channel without a host. */
export class InvalidAlertError extends InvalidOptionError {
  constructor(option: string, expected: string, got: unknown) {
    super(option, expected, got, 'ERR_INVALID_ALERT');
  }
}

/** No run with that id exists in the folder. The message lists the closest run ids, if any. */
export class RunNotFoundError extends ExecutorError {
  /** The run id that was looked up. */
  readonly runId: string;
  /** The closest existing run ids (may be empty). */
  readonly suggestions: readonly string[];
  constructor(runId: string, suggestions: readonly string[] = []) {
    super('ERR_RUN_NOT_FOUND', `Expected \`runId\` to be a run of this folder, got ${formatValue(runId)}: no such run${didYouMean(suggestions)}.`);
    this.runId = runId;
    this.suggestions = suggestions;
  }
}

/** A program's `steps` are malformed: an empty list, duplicate step names, or a bad step. */
export class InvalidStepsError extends InvalidOptionError {
  constructor(option: string, expected: string, got: unknown) {
    super(option, expected, got, 'ERR_INVALID_STEPS');
  }
}

/** `retryExitCodes` / `skipExitCodes` are not lists of exit codes 1..255, overlap, or contain 0. */
export class InvalidExitCodesError extends InvalidOptionError {
  constructor(option: string, expected: string, got: unknown) {
    super(option, expected, got, 'ERR_INVALID_EXIT_CODES');
  }
}

/** A run's `data`, an event payload or a task's `config` cannot be serialised as JSON, or is over the size limit. */
export class InvalidPayloadError extends InvalidOptionError {
  constructor(option: string, expected: string, got: unknown) {
    super(option, expected, got, 'ERR_INVALID_PAYLOAD');
  }
}

/** An event type does not match `[A-Za-z0-9._:-]{1,100}`. */
export class InvalidEventTypeError extends InvalidOptionError {
  constructor(got: unknown, option = 'type') {
    super(option, 'an event type matching /^[A-Za-z0-9._:-]{1,100}$/', got, 'ERR_INVALID_EVENT_TYPE');
  }
}

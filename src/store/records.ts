// Shapes of the JSON records kept in the folder, and checks that a parsed file has that shape.
import { CorruptRecordError } from '../errors.js';
import type { AlertConfig } from '../alert/types.js';
import { fillDefaults, fillLedgerDefaults, TASK_DEFAULTS } from './defaults.js';
import { parseCron } from '../schedule/cron.js';
import { parsePeriod } from '../schedule/period.js';
import { assertTimezone } from '../schedule/start.js';

/** Version of the on-disk folder format (see docs/folder-format.md). */
export const FORMAT_VERSION = 1;

/** A task's status, as shown by `listTasks()`. */
export type TaskStatus = 'idle' | 'running' | 'backoff' | 'scheduled' | 'succeeded' | 'failed' | 'stopped';

/** What caused a run. */
export type RunTrigger = 'manual' | 'restart' | 'schedule' | 'catch-up' | 'event';

/** Where a run is in its life, as `getRun` / `listRuns` report it. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where one step of a program run is. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'unprocessed' | 'cancelled';

/** One step of a program, as stored (paths resolved, interpreter resolved). */
export interface StepSpec {
  /** Unique within the task; same rules as task names. */
  name: string;
  /** Script as given (relative to `wd` or absolute). */
  script: string;
  /** Absolute working directory (the task's unless the step sets one). */
  wd: string;
  /** The step's own environment variables (added over the task's). */
  env: Record<string, string>;
  args: string[];
  /** Interpreter label, for display. */
  interpreter: string | null;
  /** Interpreter argv prefix; `[]` runs the script directly. */
  command: string[];
  /** True when the script file goes to the interpreter on stdin (SQL clients such as `sqlite3 app.db`). */
  stdin: boolean;
  /** Per-attempt timeout, ms (the task's `timeout` when the step sets none), or null. */
  timeoutMs: number | null;
  /** Retries of this step, or null for the task's `retries`. */
  retries: number | null;
}

/** The saved (pinned) mark of a run. */
export interface SavedRun {
  name: string;
  description: string | null;
  savedAt: string;
}

/** A task's definition, as given to `addTask` (paths resolved, interpreter resolved). */
export interface TaskSpec {
  name: string;
  /** Script as given by the user (relative to `wd` or absolute). */
  script: string;
  /** Absolute working directory. */
  wd: string;
  env: Record<string, string>;
  args: string[];
  /** Interpreter name or extension it was resolved from (a command array: the command, joined), for display. */
  interpreter: string | null;
  /** Interpreter argv prefix; `[]` runs the script directly. */
  command: string[];
  infiniteLoop: boolean;
  period: string | null;
  /** Anchor of the period schedule, ISO-8601 UTC. */
  start: string | null;
  timezone: string | null;
  maxRestarts: number | null;
  addedAt: string;
  /** Cron expression (5 or 6 fields), or null. Exclusive with `period`. */
  cron: string | null;
  /** What to do with slots missed while no supervisor ran. */
  catchUp: CatchUpPolicy;
  /** Bound of `catchUp: 'all'`. */
  maxCatchUp: number;
  /** What to do when a slot is due while a run is live. */
  overlap: OverlapPolicy;
  /** Upper bound of the deterministic per-slot delay, ms (0 = none). */
  jitterMs: number;
  /** A run is stopped after this many ms, or null. */
  timeoutMs: number | null;
  /** Write a header and footer into each run's output. */
  header: boolean;
  /** Prefix every output line with an ISO time (output goes through a writer process). */
  timestamps: boolean;
  /** `'separate'` writes stderr to `<name>.err.txt`. */
  stderr: StderrMode;
  /** Cap of the live output file, bytes, or null. */
  maxOutputBytes: number | null;
  /** Cap of all archives of the task together, bytes, or null. */
  maxArchiveBytes: number | null;
  /** Restart when the run's tree RSS exceeds this many bytes, or null. */
  maxMemory: number | null;
  /** The task's alert settings: null = the Executor's, false = off. */
  alert: AlertConfig | false | null;
  /** A program's steps, in order; null for a script task. */
  steps: StepSpec[] | null;
  /** Key/value settings handed to every run (in `EXECUTOR_RUN_FILE`). */
  config: Record<string, unknown>;
  /** Default retries of a program step. */
  retries: number;
  /** Exit codes that make a program step retryable. */
  retryExitCodes: number[];
  /** Exit codes that mark a program step skipped. */
  skipExitCodes: number[];
  /** Base of the exponential backoff between a step's attempts, ms. */
  retryDelayMs: number;
  /** Event types that start a run. */
  on: string[];
  /** Most live runs of this task at once (more queue), or null for no limit. */
  concurrency: number | null;
  /** Ended, unsaved runs kept in the ledger (older ones are pruned with their files). */
  keepRuns: number;
  tags: string[];
  description: string | null;
}

/** `catchUp` policy values. */
export type CatchUpPolicy = 'none' | 'one' | 'all';
/** `overlap` policy values. */
export type OverlapPolicy = 'skip' | 'queue' | 'replace' | 'allow';
/** `stderr` option values. */
export type StderrMode = 'merge' | 'separate';
/** Why a run was stopped by the executor itself. */
export type KillReason = 'timeout' | 'memory' | 'replace' | 'cancel';

export { TASK_DEFAULTS } from './defaults.js';
// The defaults must fit the spec's field types.
const _checkDefaults: Partial<TaskSpec> = TASK_DEFAULTS;
void _checkDefaults;

/** The run in progress, kept in the task record so any process can adopt it. */
export interface CurrentRun {
  runId: string;
  trigger: RunTrigger;
  pid: number;
  /** Process start time, /proc/<pid>/stat field 22 (clock ticks since boot). */
  pidStartTime: number;
  bootId: string;
  startedAt: string;
  /** When the run's slot was due (scheduled runs only). */
  scheduledFor: string | null;
  /** Set by `stopTask` before it signals, so the exit is recorded as a stop. */
  stopRequested: boolean;
  /** Output file, relative to the folder (`<name>.txt` for the main run, an archive name for extra runs). */
  outputFile: string;
  /** Separate stderr file, relative to the folder, or null. */
  errorFile: string | null;
  /** When the run times out (ISO), or null. */
  deadline: string | null;
  /** The date a manual run was made for (`runTask({ trigger })`), ISO, or null. */
  triggerTime: string | null;
  /** When the run was queued (maxConcurrent, overlap or catch-up), ISO, or null. */
  queuedAt: string | null;
  /** Set before the executor itself stops the run. */
  kill: KillReason | null;
  /** A one-off run (runTask) of a task: the status to return to when it ends, instead of restarting. */
  resumeStatus: TaskStatus | null;
  /** A program run's cursor (`pid` is then the current step's process), or null for a script run. */
  program: ProgramCursor | null;
}

/** Where a live program run is. */
export interface ProgramCursor {
  /** Index of the current step. */
  step: number;
  /** Attempt of the current step: 0 first, then one more per retry or resume. */
  attempt: number;
  /** Set while waiting to retry the step (no process is live then), ISO. */
  retryAt: string | null;
  /** Start of the current attempt, ISO. */
  stepStartedAt: string;
}

/** A run waiting to start: queued by maxConcurrent, `overlap: 'queue' | 'replace'` or `catchUp: 'all'`. */
export interface QueuedRun {
  runId: string;
  trigger: RunTrigger;
  scheduledFor: string | null;
  triggerTime: string | null;
  /** Arguments and env of a manual run (null = the task's). */
  args: string[] | null;
  env: Record<string, string> | null;
  queuedAt: string;
  reason: 'concurrency' | 'overlap' | 'catch-up' | 'replace';
  /** A `runTask` run: may start next to a live main run, and does not turn supervision on. */
  oneOff: boolean;
  /** Order among runs queued at the same `queuedAt` by one executor. */
  seq: number;
  /** The run's input (`runTask({ data })`, an event's payload). */
  data: unknown;
  /** The event type that caused the run, or null. */
  event: string | null;
}

/** An archived output file of a past run. */
export interface ArchiveEntry {
  file: string;
  runId: string | null;
  startedAt: string;
}

/** Mutable supervision state of a task. */
export interface TaskState {
  status: TaskStatus;
  run: CurrentRun | null;
  restarts: number;
  failStreak: number;
  restartTimes: number[];
  gaveUp: boolean;
  backoffUntil: string | null;
  lastRunId: string | null;
  lastTrigger: RunTrigger | null;
  lastExitCode: number | null;
  lastSignal: string | null;
  lastStartedAt: string | null;
  lastEndedAt: string | null;
  /** Slot time of the last fired (or skipped) scheduled run. */
  lastScheduledAt: string | null;
  archives: ArchiveEntry[];
  /** False after `disableTask`: never fired by the scheduler nor restarted. */
  enabled: boolean;
  /** Runs live next to the main `run` (overlap `'allow'`, `runTask` while running). */
  extraRuns: CurrentRun[];
  /** Runs waiting to start, in order. */
  queue: QueuedRun[];
  /** A failure alert was raised and no recovery seen since. */
  failing: boolean;
  /** Why the executor stopped the last run itself, or null. */
  lastKill: KillReason | null;
  /** Output files of saved script runs: never pruned. */
  pinned: string[];
  /** Ids of the last events handled for this task, so an event never starts it twice. */
  handledEvents: string[];
}

/** One file `tasks/<name>.json`. */
export interface TaskRecord {
  formatVersion: number;
  /** Incremented on every write. */
  rev: number;
  updatedAt: string;
  task: TaskSpec;
  state: TaskState;
}

/** One file `runs/<name>/<runId>.json`: the run ledger. */
export interface RunRecord {
  formatVersion: number;
  runId: string;
  task: string;
  trigger: RunTrigger;
  scheduledFor: string | null;
  startedAt: string;
  pid: number;
  pidStartTime: number;
  bootId: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  /** True when the exit could not be known (the shim itself was killed). */
  exitUnknown: boolean;
  /** True when the run ended because the user stopped it. */
  stopped: boolean;
  /** Output file name (relative to the folder): `<name>.txt` while current, its archive name later. */
  outputFile: string;
  /** Separate stderr file (relative), or null. */
  errorFile: string | null;
  /** The date a manual run was made for, ISO, or null. */
  triggerTime: string | null;
  /** When the run was queued before it started, ISO, or null. */
  queuedAt: string | null;
  /** True when the run was stopped for exceeding its `timeout`. */
  timedOut: boolean;
  /** Why the executor stopped the run itself (`'timeout'`, `'memory'`, `'replace'`), or null. */
  killedFor: KillReason | null;
  /** Where the run is. */
  status: RunStatus;
  /** When the run was created (queued or started), ISO. */
  createdAt: string;
  /** Event type that triggered the run, or null. */
  event: string | null;
  /** The run's input (`runTask({ data })` or an event's payload), or null. */
  data: unknown;
  /** Index of the current (or last) step of a program run; null for a script run. */
  step: number | null;
  /** Retries of the current step so far. */
  stepRetryCount: number;
  /** Set only when the run succeeded, ISO. */
  finishedAt: string | null;
  /** Set only when the run failed for good, ISO. */
  erroredAt: string | null;
  /** The last error (a retryable one included): the last non-empty stderr line, or the last output line. */
  errorMessage: string | null;
  /** A program run's steps (`[]` for a script run). */
  steps: StepRecord[];
  /** Set by `saveRun`: the run and its outputs are never pruned. */
  saved: SavedRun | null;
}

/** One step of a program run, in its ledger record. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  /** Retries done. */
  retries: number;
  /** True when the last attempt was stopped by its timeout. */
  timedOut: boolean;
  /** Pid of the last attempt, or null. */
  pid: number | null;
  /** Output file, relative to the folder, or null before the step starts. */
  outputFile: string | null;
  /** Separate stderr file (relative), or null. */
  errorFile: string | null;
}

/** `executor.json`: the folder's identity. */
export interface FolderMeta {
  formatVersion: number;
  id: string;
  createdAt: string;
}

/** The issue-4 fields of a run record, for a run that is just starting (status `running`). */
export type RunExtras = Pick<RunRecord, 'status' | 'createdAt' | 'event' | 'data' | 'step' | 'stepRetryCount' | 'finishedAt' | 'erroredAt' | 'errorMessage' | 'steps' | 'saved'>;

/** Run-record fields of a fresh run: running, no program steps, nothing saved. */
export function freshRunExtras(createdAt: string, data: unknown = null, event: string | null = null): RunExtras {
  return { status: 'running', createdAt, event, data, step: null, stepRetryCount: 0, finishedAt: null, erroredAt: null, errorMessage: null, steps: [], saved: null };
}

/** True when the task runs on a schedule (`period` or `cron`). */
export function isPeriodic(task: Pick<TaskSpec, 'period' | 'cron'>): boolean {
  return task.period !== null || task.cron !== null;
}

/** A fresh state for a newly added task. */
export function initialState(): TaskState {
  return {
    status: 'idle', run: null, restarts: 0, failStreak: 0, restartTimes: [], gaveUp: false, backoffUntil: null,
    lastRunId: null, lastTrigger: null, lastExitCode: null, lastSignal: null, lastStartedAt: null, lastEndedAt: null,
    lastScheduledAt: null, archives: [], enabled: true, extraRuns: [], queue: [], failing: false, lastKill: null,
    pinned: [], handledEvents: [],
  };
}

const STATUSES: readonly TaskStatus[] = ['idle', 'running', 'backoff', 'scheduled', 'succeeded', 'failed', 'stopped'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed task file, throwing `CorruptRecordError` (naming `file`) on a bad shape. */
export function checkTaskRecord(file: string, value: unknown, expectedName: string): TaskRecord {
  const fail = (why: string): never => {
    throw new CorruptRecordError(file, why);
  };
  if (!isObject(value)) return fail('a non-object');
  if (value.formatVersion !== FORMAT_VERSION) fail(`formatVersion ${JSON.stringify(value.formatVersion)} (expected ${FORMAT_VERSION})`);
  const { task, state } = value;
  if (!isObject(task) || !isObject(state)) return fail('no `task` or `state` object');
  if (task.name !== expectedName) fail(`task.name ${JSON.stringify(task.name)} for file of task ${JSON.stringify(expectedName)}`);
  fillDefaults(expectedName, task, state);
  for (const key of ['script', 'wd', 'addedAt'] as const) if (typeof task[key] !== 'string') fail(`task.${key} that is not a string`);
  if (!isObject(task.env) || !Object.values(task.env).every((v) => typeof v === 'string')) fail('task.env that is not a map of strings');
  for (const key of ['args', 'command'] as const) {
    if (!Array.isArray(task[key]) || !(task[key] as unknown[]).every((v) => typeof v === 'string')) fail(`task.${key} that is not a string array`);
  }
  if (typeof task.infiniteLoop !== 'boolean') fail('task.infiniteLoop that is not a boolean');
  if (!STATUSES.includes(state.status as TaskStatus)) fail(`state.status ${JSON.stringify(state.status)}`);
  if (state.run !== null && !isObject(state.run)) fail('state.run that is neither null nor an object');
  if (isObject(state.run) && (typeof state.run.pid !== 'number' || typeof state.run.runId !== 'string')) fail('state.run without pid or runId');
  if (!Array.isArray(state.archives)) fail('state.archives that is not an array');
  if (!Array.isArray(state.restartTimes)) fail('state.restartTimes that is not an array');
  if (!Array.isArray(state.extraRuns) || !state.extraRuns.every((r) => isObject(r) && typeof r.pid === 'number' && typeof r.runId === 'string')) fail('state.extraRuns that is not an array of runs');
  if (!Array.isArray(state.queue) || !state.queue.every((q) => isObject(q) && typeof q.runId === 'string')) fail('state.queue that is not an array of queued runs');
  checkSchedule(task, fail);
  return value as unknown as TaskRecord;
}

// A hand-edited period, start or timezone must not break every pass of the supervisor later.
function checkSchedule(task: Record<string, unknown>, fail: (why: string) => never): void {
  try {
    if (task.period !== null) parsePeriod(task.period, 'task.period');
    if (task.timezone !== null) assertTimezone(task.timezone);
    if (task.cron !== null) parseCron(task.cron, task.timezone as string | null, 'task.cron');
  } catch (error) {
    fail(`a bad schedule (${(error as Error).message})`);
  }
  if (task.period !== null && !Number.isFinite(Date.parse(String(task.start ?? task.addedAt)))) fail('task.start that is not a date');
  if (task.maxRestarts !== null && !(Number.isInteger(task.maxRestarts) && (task.maxRestarts as number) > 0)) fail('task.maxRestarts that is not a positive integer or null');
  if (task.period !== null && task.cron !== null) fail('both task.period and task.cron');
  if (!['none', 'one', 'all'].includes(task.catchUp as string)) fail(`task.catchUp ${JSON.stringify(task.catchUp)}`);
  if (!['skip', 'queue', 'replace', 'allow'].includes(task.overlap as string)) fail(`task.overlap ${JSON.stringify(task.overlap)}`);
  if (!(Number.isFinite(task.jitterMs) && (task.jitterMs as number) >= 0)) fail('task.jitterMs that is not a number >= 0');
  const alert = task.alert;
  if (alert !== null && alert !== false && !(isObject(alert) && Array.isArray(alert.on) && Array.isArray(alert.channels))) fail('task.alert that is not null, false or an alert setting');
  if (!(Number.isInteger(task.maxCatchUp) && (task.maxCatchUp as number) >= 1)) fail('task.maxCatchUp that is not an integer >= 1');
}

/** Checks a parsed run ledger file. */
export function checkRunRecord(file: string, value: unknown): RunRecord {
  if (!isObject(value) || typeof value.runId !== 'string' || typeof value.task !== 'string') {
    throw new CorruptRecordError(file, 'a run record without runId or task');
  }
  fillLedgerDefaults(value); // written before these fields existed
  return value as unknown as RunRecord;
}

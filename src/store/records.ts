// Shapes of the JSON records kept in the folder, and checks that a parsed file has that shape.
import { CorruptRecordError } from '../errors.js';
import { parsePeriod } from '../schedule/period.js';
import { assertTimezone } from '../schedule/start.js';

/** Version of the on-disk folder format (see docs/folder-format.md). */
export const FORMAT_VERSION = 1;

/** A task's status, as shown by `listTasks()`. */
export type TaskStatus = 'idle' | 'running' | 'backoff' | 'scheduled' | 'succeeded' | 'failed' | 'stopped';

/** What caused a run. */
export type RunTrigger = 'manual' | 'restart' | 'schedule' | 'catch-up';

/** A task's definition, as given to `addTask` (paths resolved, interpreter resolved). */
export interface TaskSpec {
  name: string;
  /** Script as given by the user (relative to `wd` or absolute). */
  script: string;
  /** Absolute working directory. */
  wd: string;
  env: Record<string, string>;
  args: string[];
  /** Interpreter name or extension it was resolved from, for display. */
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
}

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
}

/** `executor.json`: the folder's identity. */
export interface FolderMeta {
  formatVersion: number;
  id: string;
  createdAt: string;
}

/** A fresh state for a newly added task. */
export function initialState(): TaskState {
  return {
    status: 'idle', run: null, restarts: 0, failStreak: 0, restartTimes: [], gaveUp: false, backoffUntil: null,
    lastRunId: null, lastTrigger: null, lastExitCode: null, lastSignal: null, lastStartedAt: null, lastEndedAt: null,
    lastScheduledAt: null, archives: [],
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
  checkSchedule(task, fail);
  return value as unknown as TaskRecord;
}

// A hand-edited period, start or timezone must not break every pass of the supervisor later.
function checkSchedule(task: Record<string, unknown>, fail: (why: string) => never): void {
  try {
    if (task.period !== null) parsePeriod(task.period, 'task.period');
    if (task.timezone !== null) assertTimezone(task.timezone);
  } catch (error) {
    fail(`a bad schedule (${(error as Error).message})`);
  }
  if (task.period !== null && !Number.isFinite(Date.parse(String(task.start ?? task.addedAt)))) fail('task.start that is not a date');
  if (task.maxRestarts !== null && !(Number.isInteger(task.maxRestarts) && (task.maxRestarts as number) > 0)) fail('task.maxRestarts that is not a positive integer or null');
}

/** Checks a parsed run ledger file. */
export function checkRunRecord(file: string, value: unknown): RunRecord {
  if (!isObject(value) || typeof value.runId !== 'string' || typeof value.task !== 'string') {
    throw new CorruptRecordError(file, 'a run record without runId or task');
  }
  return value as unknown as RunRecord;
}

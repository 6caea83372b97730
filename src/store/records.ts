// Shapes of the JSON records kept in the folder (their checks live in record-check.ts).
import type { AlertConfig } from '../alert/types.js';
import { TASK_DEFAULTS } from './defaults.js';
import type { ProgramCursor, StepSpec } from './program-records.js';

export type { ProgramCursor, ProgramDef, RunStatus, SavedRun, StepRecord, StepSpec, StepStatus } from './program-records.js';
import type { ChainLink, EnvFileRef, ProcessLimits, ReadySpec } from './relation-records.js';
export type { ChainLink, ChainOn, EnvFileRef, ProcessLimits, ReadySpec } from './relation-records.js';
import type { KillReason, RunRecord, RunTrigger } from './run-records.js';
export type { KillReason, RunRecord, RunTrigger } from './run-records.js';

/** Version of the on-disk folder format (see docs/folder-format.md). */
export const FORMAT_VERSION = 1;

/** A task's status, as shown by `listTasks()`. */
export type TaskStatus = 'idle' | 'running' | 'backoff' | 'scheduled' | 'succeeded' | 'failed' | 'stopped' | 'waiting';


/** A task's definition, as given to `addTask` (paths resolved, interpreter resolved). */
export interface TaskSpec {
  name: string;
  /**
   * Keep the processes a run leaves behind when its main process exits (a script that daemonizes). `stopTask` and
   * `removeTask` stop them in any case. Absent in records written before it existed.
   * @defaultValue false
   */
  keepOrphans?: boolean;
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
  // Issue 16 (docs/internal/issue16-contract.md); absent in records written before them.
  /** Tasks that must be running and ready before this one starts. @defaultValue [] */
  dependsOn?: string[];
  /** When this task counts as ready for its dependents. @defaultValue `{ kind: 'afterMs', ms: 1000 }` */
  ready?: ReadySpec;
  /** How long a dependent's start waits for this task to be ready, ms. @defaultValue 30000 */
  readyTimeoutMs?: number;
  /** Restart this task when a dependency restarts (under a supervisor). @defaultValue false */
  restartWith?: boolean;
  /** Runs of other tasks whose end starts one run of this one. @defaultValue [] */
  after?: ChainLink[];
  /** Longest chain of runs started by chains before one is refused. @defaultValue 10 */
  maxChainDepth?: number;
  /** Env files read at each start, relative to `wd`; `env` overrides them. @defaultValue [] */
  envFiles?: EnvFileRef[];
  /** Env names never written in clear (besides the names matching SECRET_ENV_PATTERN). @defaultValue [] */
  secretEnv?: string[];
  /** Cluster mode: the hosts allowed to run it (absent: any). */
  hosts?: string[];
  /** Cluster mode: labels a host must have to run it (absent: none). */
  labels?: Record<string, string | number | boolean>;
  /** Run as this user (root supervisors only), or null. */
  user?: string | null;
  /** Run with this group (root supervisors only), or null. */
  group?: string | null;
  /** Kernel limits applied with `ulimit` before the script starts, or null. */
  limits?: ProcessLimits | null;
  /** Scheduling priority (`nice`), −20 to 19, or null. */
  nice?: number | null;
  /**
   * Which kept copy of the task's secret env values this record goes with (never the values): `gen`, 16 hex digits drawn
   * at each `addTask`, and `root`, the secrets store it was written in (an absolute path). Absent: the task keeps no
   * secret values (or was written before generations, and its store file has none). See task/secrets-store.ts.
   * @defaultValue absent
   */
  secretsRef?: { gen: string; root: string } | null;
}

/** `catchUp` policy values. */
export type CatchUpPolicy = 'none' | 'one' | 'all';
/** `overlap` policy values. */
export type OverlapPolicy = 'skip' | 'queue' | 'replace' | 'allow';
/** `stderr` option values. */
export type StderrMode = 'merge' | 'separate';


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
  /** Cluster mode: the host the run runs on (its output and status files are there); absent in a folder. */
  host?: string;
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
  /** Why it waits: a slot (`concurrency`), `overlap`, `catch-up`, `replace`, or `dependency`: a scheduled slot held until the task's `dependsOn` are ready. */
  reason: 'concurrency' | 'overlap' | 'catch-up' | 'replace' | 'dependency';
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
  /** Why a `waiting` task waits (its dependencies), or null. Absent in older records. */
  waitingFor?: string | null;
  /** Cluster mode: the dead host whose run of this task was closed, until the task starts again (a takeover). */
  downHost?: string | null;
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


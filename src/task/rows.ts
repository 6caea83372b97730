// Plain row objects for listTasks / listRunningTasks, ready to print as a table.
import { maskEnv } from './secrets.js';
import { InvalidOptionError } from '../errors.js';
import { previewRuns } from '../schedule/plan.js';
import type { CatchUpPolicy, ChainLink, EnvFileRef, KillReason, OverlapPolicy, ProcessLimits, RunTrigger, StderrMode, TaskRecord, TaskStatus } from '../store/records.js';
import type { SupervisorInfo } from '../supervisor/presence.js';
import { CATCH_UP_THRESHOLD_MS, scheduleOn, timingOfTask } from '../supervisor/wake.js';

/** Options of `listTasks`. */
export interface ListTasksOptions {
  /** Only tasks with this tag. @defaultValue every task */
  tag?: string;
}

/** Checks `listTasks`'s options; returns the tag filter. */
export function checkListTasks(options: unknown): string | undefined {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'tag') throw new InvalidOptionError('options', 'made of known options (tag)', key);
  if (o.tag !== undefined && (typeof o.tag !== 'string' || o.tag === '')) throw new InvalidOptionError('tag', 'a non-empty string', o.tag);
  return o.tag as string | undefined;
}

/** Checks `listRunningTasks`' options; returns `nextRun`. */
export function checkListRunning(options: unknown): boolean {
  const o = options as { nextRun?: unknown } | null;
  if (typeof options !== 'object' || o === null || (o.nextRun !== undefined && typeof o.nextRun !== 'boolean')) throw new InvalidOptionError('options.nextRun', 'a boolean', o?.nextRun ?? options);
  return o.nextRun === true;
}

/** One row of `listTasks()`. */
export interface TaskRow {
  /** Executor id. */
  id: string;
  /** Task name. */
  name: string;
  /** Script as given to `addTask`. */
  script: string;
  /** Absolute working directory. */
  wd: string;
  /** Current status. */
  status: TaskStatus;
  /** Pid of the live run (its process-group leader), or null. */
  pid: number | null;
  /** Restarts done by supervisors over the task's life. */
  restarts: number;
  /** Exit code of the last finished run (null if it died by a signal or is unknown). */
  lastExitCode: number | null;
  /** Signal that ended the last run, e.g. `'SIGTERM'`. */
  lastSignal: string | null;
  /** Start of the last run (ISO). */
  lastStartedAt: string | null;
  /** End of the last finished run (ISO). */
  lastEndedAt: string | null;
  /** Trigger of the last run. */
  lastTrigger: RunTrigger | null;
  /** Restarted on exit while supervised. */
  infiniteLoop: boolean;
  /** Period string, or null. */
  period: string | null;
  /** Period anchor (ISO UTC), or null. */
  start: string | null;
  /** IANA zone of the schedule, or null (system zone). */
  timezone: string | null;
  /** Next fire time (ISO, jitter included) while scheduled or running and enabled; after downtime, the first missed slot a supervisor will catch up (by the task's `catchUp`). */
  nextRun: string | null;
  /** Interpreter label (extension, name or command), or null when run directly. */
  interpreter: string | null;
  /** Script arguments. */
  args: string[];
  /** The task's own environment variables. */
  env: Record<string, string>;
  /** When a backoff restart is due (ISO), or null. */
  backoffUntil: string | null;
  /** When the task was added (ISO). */
  addedAt: string;
  /** Cron expression, or null. */
  cron: string | null;
  /** False after `disableTask`. */
  enabled: boolean;
  /** Catch-up policy. */
  catchUp: CatchUpPolicy;
  /** Overlap policy. */
  overlap: OverlapPolicy;
  /** Jitter bound, ms. */
  jitterMs: number;
  /** Timeout, ms, or null. */
  timeoutMs: number | null;
  /** Runs waiting to start. */
  queued: number;
  /** Live runs (main and extra). */
  runs: number;
  /** Why the executor stopped the last run itself (`'timeout'`, `'memory'`, `'replace'`), or null. */
  lastKill: KillReason | null;
  /**
   * CPU use of the live runs' whole process trees (main and extra runs), percent of one core, or null. A process this
   * Executor sampled at least a second before counts over the time since then; one seen for the first time (as in a
   * one-shot `executor ls`) counts its average since it started.
   */
  cpu: number | null;
  /** Resident memory of the live runs' whole process trees (main and extra runs), bytes, or null. */
  rss: number | null;
  /** A program's step names, in order; null for a script task. */
  steps: string[] | null;
  /** The task's tags. */
  tags: string[];
  /** The task's description, or null. */
  description: string | null;
  /** Event types that start a run. */
  on: string[];
  /** Most live runs at once, or null for no limit. */
  concurrency: number | null;
  /** `'separate'` when stderr goes to its own `.err.txt` file, else `'merge'`. */
  stderr: StderrMode;
  /**
   * The folder's live supervisor (`keepRestarting()` or `executor supervise`, in any process): `{ pid, hostname, since }`
   * (`since` ISO), or null when none holds the folder's lease, so no schedule fires and no crashed loop is restarted.
   * The same for every row; `getSupervisor()` gives it alone.
   */
  supervisor: SupervisorInfo | null;
  /** Tasks this one depends on (`dependsOn`). */
  dependsOn: string[];
  /** Runs of other tasks whose end starts a run of this one (`after`). */
  after: ChainLink[];
  /** While `waiting`: what for, e.g. `db not ready (running 0.4 s of 1 s)`, `db is failed`; else null. */
  waiting: string | null;
  /** The user the task runs as, or null. */
  user: string | null;
  /** The group the task runs with, or null. */
  group: string | null;
  /** Kernel limits of its runs (`ulimit`), or null. */
  limits: ProcessLimits | null;
  /** Scheduling priority (`nice`), or null. */
  nice: number | null;
  /** Env files read at each start (paths relative to `wd`). */
  envFiles: EnvFileRef[];
  /** Env names never written in clear (besides the default pattern). */
  secretEnv: string[];
}

/** cpu% and RSS of a task's live tree, from `listTasks`' sampling. */
export interface RowUsage { cpu: number; rss: number }

/** One row of `listRunningTasks()`; `start` and `nextRun` only with `{ nextRun: true }`. */
export interface RunningRow {
  /** Executor id. */
  id: string;
  /** Task name. */
  name: string;
  /** True while a run is live. */
  running: boolean;
  /** Restarted on exit while supervised. */
  infiniteLoop: boolean;
  /** Period string, `''` when not periodic (as in ExecutoR). */
  period: string;
  /** Period anchor, or the last start of a non-periodic task (ISO). Only with `{ nextRun: true }`. */
  start?: string | null;
  /** Next run (ISO), as in `listTasks`. Only with `{ nextRun: true }`. */
  nextRun?: string | null;
}

/** The next time the scheduler fires the task (ISO), or null when none is pending. */
export function nextRunOf(record: TaskRecord, now: number): string | null {
  const { task, state } = record;
  const timing = timingOfTask(task);
  if (!timing || !state.enabled || !scheduleOn(state)) return null;
  const last = state.lastScheduledAt ? Date.parse(state.lastScheduledAt) : null;
  const [next] = previewRuns(timing, task.name, task.jitterMs, last, now, 1, CATCH_UP_THRESHOLD_MS, task);
  return next === undefined ? null : new Date(next).toISOString();
}

/** Builds a `listTasks()` row (`supervisor`: the folder's, from `readSupervisor`). */
export function taskRow(id: string, record: TaskRecord, now: number, usage: RowUsage | null = null, supervisor: SupervisorInfo | null = null): TaskRow {
  const { task, state } = record;
  return {
    id, name: task.name, script: task.script, wd: task.wd, status: state.status, pid: state.run?.pid ?? null,
    restarts: state.restarts, lastExitCode: state.lastExitCode, lastSignal: state.lastSignal,
    lastStartedAt: state.lastStartedAt, lastEndedAt: state.lastEndedAt, lastTrigger: state.lastTrigger,
    infiniteLoop: task.infiniteLoop, period: task.period, start: task.start, timezone: task.timezone,
    nextRun: nextRunOf(record, now), interpreter: task.interpreter, args: task.args, env: maskEnv(task.env, task.secretEnv),
    backoffUntil: state.backoffUntil, addedAt: task.addedAt,
    cron: task.cron, enabled: state.enabled, catchUp: task.catchUp, overlap: task.overlap, jitterMs: task.jitterMs, timeoutMs: task.timeoutMs,
    queued: state.queue.length, runs: (state.run ? 1 : 0) + state.extraRuns.length, lastKill: state.lastKill,
    cpu: usage?.cpu ?? null, rss: usage?.rss ?? null,
    steps: task.steps?.map((s) => s.name) ?? null, tags: task.tags, description: task.description, on: task.on, concurrency: task.concurrency, stderr: task.stderr,
    supervisor,
    dependsOn: task.dependsOn ?? [], after: task.after ?? [],
    waiting: state.status === 'waiting' ? state.waitingFor ?? 'its dependencies' : null,
    user: task.user ?? null, group: task.group ?? null, limits: task.limits ?? null, nice: task.nice ?? null,
    envFiles: task.envFiles ?? [], secretEnv: task.secretEnv ?? [],
  };
}

/** Builds a `listRunningTasks()` row. */
export function runningRow(id: string, record: TaskRecord, now: number, withNext: boolean): RunningRow {
  const { task, state } = record;
  const row: RunningRow = { id, name: task.name, running: state.run !== null, infiniteLoop: task.infiniteLoop, period: task.period ?? '' };
  if (withNext) {
    row.start = task.start ?? state.lastStartedAt;
    row.nextRun = nextRunOf(record, now);
  }
  return row;
}

// Plain row objects for listTasks / listRunningTasks, ready to print as a table.
import type { RunTrigger, TaskRecord, TaskStatus } from '../store/records.js';
import { lastSlotAtOrBefore, nextSlotAfter } from '../schedule/next.js';
import { scheduleOf } from '../supervisor/reconcile.js';

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
  /** Next run (ISO) while scheduled or running; after downtime, the missed slot a supervisor will catch up. */
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
}

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

/** The true next scheduled run of a task (ISO), or null when none is pending. */
export function nextRunOf(record: TaskRecord, now: number): string | null {
  const schedule = scheduleOf(record);
  const { status, lastScheduledAt } = record.state;
  if (!schedule || (status !== 'scheduled' && status !== 'running')) return null;
  const last = lastScheduledAt ? Date.parse(lastScheduledAt) : -Infinity;
  // A slot missed while no supervisor ran is the next run (it fires once, as catch-up, when one runs).
  const due = lastSlotAtOrBefore(schedule, now);
  if (due !== null && due > last) return new Date(due).toISOString();
  return new Date(nextSlotAfter(schedule, Math.max(last, now))).toISOString();
}

/** Builds a `listTasks()` row. */
export function taskRow(id: string, record: TaskRecord, now: number): TaskRow {
  const { task, state } = record;
  return {
    id, name: task.name, script: task.script, wd: task.wd, status: state.status, pid: state.run?.pid ?? null,
    restarts: state.restarts, lastExitCode: state.lastExitCode, lastSignal: state.lastSignal,
    lastStartedAt: state.lastStartedAt, lastEndedAt: state.lastEndedAt, lastTrigger: state.lastTrigger,
    infiniteLoop: task.infiniteLoop, period: task.period, start: task.start, timezone: task.timezone,
    nextRun: nextRunOf(record, now), interpreter: task.interpreter, args: task.args, env: task.env,
    backoffUntil: state.backoffUntil, addedAt: task.addedAt,
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

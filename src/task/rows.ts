// Plain row objects for listTasks / listRunningTasks, ready for console.table.
import type { RunTrigger, TaskRecord, TaskStatus } from '../store/records.js';
import { lastSlotAtOrBefore, nextSlotAfter } from '../schedule/next.js';
import { scheduleOf } from '../supervisor/reconcile.js';

/** One row of `listTasks()`. */
export interface TaskRow {
  id: string;
  name: string;
  script: string;
  wd: string;
  status: TaskStatus;
  pid: number | null;
  restarts: number;
  lastExitCode: number | null;
  lastSignal: string | null;
  lastStartedAt: string | null;
  lastEndedAt: string | null;
  lastTrigger: RunTrigger | null;
  infiniteLoop: boolean;
  period: string | null;
  start: string | null;
  timezone: string | null;
  nextRun: string | null;
  interpreter: string | null;
  args: string[];
  env: Record<string, string>;
  backoffUntil: string | null;
  addedAt: string;
}

/** One row of `listRunningTasks()`; `start` and `nextRun` only with `{ nextRun: true }`. */
export interface RunningRow {
  id: string;
  name: string;
  running: boolean;
  infiniteLoop: boolean;
  period: string;
  start?: string | null;
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

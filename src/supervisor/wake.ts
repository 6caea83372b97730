// Cheap checks on a (cached) record: does a pass need to lock it, and when does it next need attention.
import { STABLE_RUN_MS } from '../restart/policy.js';
import { liveRuns } from '../run/close.js';
import { headMayStart } from '../run/gate.js';
import { isWaiting, runLive, stepDue } from '../run/own.js';
import { isLaunching } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import { planDue } from '../schedule/plan.js';
import { timingOf, type Timing } from '../schedule/timing.js';
import { isPeriodic, type CurrentRun, type TaskRecord, type TaskSpec } from '../store/records.js';

/** A slot fired later than this after its time is missed: it is a `catch-up` run (or skipped, by `catchUp`). */
export const CATCH_UP_THRESHOLD_MS = 2_000;

// Records are replaced on every write, so a timing is built once per task definition.
const timings = new WeakMap<TaskSpec, Timing | null>();

/** The schedule of a task (period or cron), or null. */
export function timingOfTask(task: TaskSpec): Timing | null {
  if (!timings.has(task)) timings.set(task, isPeriodic(task) ? timingOf(task) : null);
  return timings.get(task) ?? null;
}

/** True when a run is recorded live but its process is gone (and this process is not watching it). */
export function isDeadRun(rt: Runtime, run: CurrentRun): boolean {
  return !runLive(rt, run);
}

/** True when the supervisor should restart the task now (crashed loop, or killed over maxMemory). */
export function needsRestart(record: TaskRecord, now: number): boolean {
  const { task, state } = record;
  if (isPeriodic(task) || state.gaveUp || state.run || !state.enabled) return false;
  if (state.queue.some((q) => !q.oneOff)) return false; // a restart (or start) is already waiting for a slot
  if (!task.infiniteLoop && state.lastKill !== 'memory') return false;
  if (state.status === 'failed' || (state.status === 'succeeded' && task.infiniteLoop)) return true;
  return state.status === 'backoff' && state.backoffUntil !== null && Date.parse(state.backoffUntil) <= now;
}

/** True while the task's schedule is on: started (`scheduled`, or `running` a scheduled run), not a one-off run of a stopped task. */
export function scheduleOn(state: TaskRecord['state']): boolean {
  const status = state.run?.resumeStatus ?? state.status;
  return status === 'scheduled' || status === 'running';
}

/** True when the schedule has something to do now (fire, catch up, or skip missed slots). */
export function scheduleDue(record: TaskRecord, now: number): boolean {
  const { task, state } = record;
  const timing = timingOfTask(task);
  if (!timing || !state.enabled || !scheduleOn(state)) return false;
  const plan = planDue({
    timing, name: task.name, jitterMs: task.jitterMs, lastScheduledAt: state.lastScheduledAt ? Date.parse(state.lastScheduledAt) : null,
    now, catchUp: task.catchUp, maxCatchUp: task.maxCatchUp, lateMs: CATCH_UP_THRESHOLD_MS,
  });
  return plan.fire.length > 0 || plan.missedCount > 0;
}

/** True when a loop that had failed has now run long enough to count as recovered. */
export function recoveredNow(record: TaskRecord, now: number): boolean {
  const { state } = record;
  return state.failing && state.run !== null && !isPeriodic(record.task) && now - Date.parse(state.run.startedAt) >= STABLE_RUN_MS;
}

/** True when the first queued run could start now (the gate is checked under the lock). */
export function queueReady(record: TaskRecord, supervise: boolean): boolean {
  const head = record.state.queue[0];
  if (!head || (!supervise && !(head.trigger === 'manual' || head.oneOff))) return false;
  return headMayStart(record);
}

/** True when the task's next slot may be prepared ahead of time: nothing live or queued could change what it does. */
export function preparable(record: TaskRecord): boolean {
  return record.state.run === null && record.state.queue.length === 0;
}

// True when a live run needs its task locked: launching (maybe orphaned), ended unseen, a step due, or stopped while waiting.
function runNeedsLook(rt: Runtime, run: CurrentRun, now: number): boolean {
  return isLaunching(run) || isDeadRun(rt, run) || stepDue(run, now) || (isWaiting(run) && run.stopRequested);
}

/** True when a pass must lock this task (cheap for an idle table: time-based checks go through the wake cache). */
export function needsAttention(rt: Runtime, record: TaskRecord, supervise: boolean, now: number, leadMs = 0): boolean {
  // Runs looked at in place (no array of them, no closure): this runs for every task on every pass.
  const { run, extraRuns } = record.state;
  if (run !== null && runNeedsLook(rt, run, now)) return true;
  for (let i = 0; i < extraRuns.length; i++) if (runNeedsLook(rt, extraRuns[i]!, now)) return true;
  if (queueReady(record, supervise)) return true;
  if (!supervise) return false;
  if (needsRestart(record, now)) return true;
  const wake = nextWakeOf(record, now);
  if (wake === null) return false;
  if (wake <= now && (scheduleDue(record, now) || recoveredNow(record, now))) return true;
  return leadMs > 0 && wake <= now + leadMs && preparable(record) && scheduleDue(record, now + leadMs);
}

// Records are replaced on every write, so a wake time computed for a record stays right until it is due.
const wakes = new WeakMap<TaskRecord, number | null>();

/** When the task next needs attention (epoch ms), or null. Cached per record while that time is in the future. */
export function nextWakeOf(record: TaskRecord, now: number): number | null {
  const cached = wakes.get(record);
  if (cached !== undefined && (cached === null || cached > now)) return cached;
  const wake = computeWake(record, now);
  if (wake === null || wake > now) wakes.set(record, wake);
  return wake;
}

function computeWake(record: TaskRecord, now: number): number | null {
  const { task, state } = record;
  const times: number[] = [];
  if (state.status === 'backoff' && state.backoffUntil) times.push(Date.parse(state.backoffUntil));
  for (const run of liveRuns(record)) {
    if (run.deadline && run.kill === null) times.push(Date.parse(run.deadline));
    if (run.program?.retryAt) times.push(Date.parse(run.program.retryAt));
  }
  if (state.failing && state.run && !isPeriodic(task)) times.push(Date.parse(state.run.startedAt) + STABLE_RUN_MS);
  const timing = timingOfTask(task);
  if (timing && state.enabled && scheduleOn(state)) {
    const plan = planDue({
      timing, name: task.name, jitterMs: task.jitterMs, lastScheduledAt: state.lastScheduledAt ? Date.parse(state.lastScheduledAt) : null,
      now, catchUp: task.catchUp, maxCatchUp: task.maxCatchUp, lateMs: CATCH_UP_THRESHOLD_MS,
    });
    if (plan.fire.length > 0 || plan.missedCount > 0) times.push(now);
    else if (plan.nextFireAt !== null) times.push(plan.nextFireAt);
  }
  return times.length === 0 ? null : Math.min(...times);
}

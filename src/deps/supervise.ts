// The supervisor's locked steps for dependencies: hold a restart (or a waiting start) until the dependencies are ready,
// and restart a `restartWith` task when one of its dependencies was restarted.
import type { Runtime } from '../runtime.js';
import { isPeriodic, type TaskRecord } from '../store/records.js';
import { heldScheduleStep } from '../supervisor/schedule-step.js';
import { isHeld, launchOrQueue, type StepContext, type StepKind } from '../supervisor/steps.js';
import { needsRestart } from '../supervisor/wake.js';
import { dependencyGate, restartedDependency, restartWithEnded, RESTART_WITH_PREFIX, sameReason } from './gate.js';

/**
 * Under the supervisor, before its restart step: a task due for a restart (or `waiting`) whose dependencies are not
 * all ready is recorded `waiting`, with the reason, and not restarted; a `waiting` task whose dependencies are ready is
 * launched (trigger `restart`). Returns the record it decided on, or null to let the usual restart step go on.
 * @example `const held = await dependencyStep(rt, record, now, ctx, kinds); if (held) current = held;`
 */
export async function dependencyStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, kinds: StepKind[]): Promise<TaskRecord | null> {
  if (isPeriodic(record.task)) return scheduledWaitStep(rt, record, now, ctx, kinds);
  let current = record;
  if (restartWithEnded(current)) current = { ...current, state: { ...current.state, status: 'waiting' } };
  const { state, task } = current;
  const waiting = state.status === 'waiting';
  if (!waiting && !needsRestart(current, now)) return null;
  if (waiting && (!state.enabled || state.run !== null || state.queue.some((q) => !q.oneOff))) return current === record ? null : current;
  const why = await dependencyGate(rt, current);
  if (why !== null) {
    if (waiting && sameReason(state.waitingFor, why)) return current === record ? null : current;
    ctx.deferred.push(() => rt.log(`${task.name} is waiting: ${why}`));
    kinds.push('waiting');
    return { ...current, state: { ...state, status: 'waiting', waitingFor: why, backoffUntil: null } };
  }
  if (!waiting) return null; // dependencies ready: the usual restart decision
  const [next, kind] = await launchOrQueue(rt, { ...current, state: { ...state, waitingFor: null } }, { trigger: 'restart', scheduledFor: null }, ctx);
  kinds.push(kind);
  return kind === 'queued' ? { ...next, state: { ...next.state, status: 'idle' } } : next;
}

/**
 * A scheduled task is never restarted: it waits only while a slot is held for its dependencies (queued with reason
 * `dependency`, started by the drain step once they are ready), and the slots that come meanwhile are skipped. A
 * `waiting` mark with no held slot left (dropped while disabled) goes back to `scheduled`.
 */
async function scheduledWaitStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, kinds: StepKind[]): Promise<TaskRecord | null> {
  const { state } = record;
  if (state.status !== 'waiting' || state.run !== null) return null;
  if (!isHeld(record)) return { ...record, state: { ...state, status: 'scheduled', waitingFor: null } };
  return state.enabled ? heldScheduleStep(rt, record, now, ctx, kinds) : null;
}

/**
 * Under the supervisor: a `restartWith` task whose dependency was restarted after its run started has that run stopped
 * (stopped after the write, as an overlap `replace`) and waits for its dependencies, then starts again.
 * `records`: the table, by name. Returns the marked record, or null when nothing is to do.
 */
export function restartWithStep(rt: Runtime, record: TaskRecord, records: ReadonlyMap<string, TaskRecord>, ctx: StepContext, kinds: StepKind[]): TaskRecord | null {
  const dep = restartedDependency(record, records);
  const run = record.state.run;
  if (dep === null || run === null) return null;
  ctx.replace.push(run.runId);
  ctx.deferred.push(() => rt.log(`Restarting ${record.task.name} with ${dep} (restartWith)`));
  kinds.push('waiting');
  const why = `${RESTART_WITH_PREFIX}${dep}`;
  return { ...record, state: { ...record.state, status: 'waiting', waitingFor: why, run: { ...run, kill: 'replace' } } };
}

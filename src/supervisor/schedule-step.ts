// The schedule step: fire due slots by the task's catchUp, overlap and jitter policies.
import type { Runtime } from '../runtime.js';
import { fireTimeOf, planDue } from '../schedule/plan.js';
import type { TaskRecord } from '../store/records.js';
import type { LaunchRequest } from '../run/launch.js';
import { dependencyGate } from '../deps/gate.js';
import { enqueue, holdForDependencies, isHeld, launchOrQueue, queuedRun, type StepContext, type StepKind } from './steps.js';
import { CATCH_UP_THRESHOLD_MS, scheduleDue, scheduleOn, timingOfTask } from './wake.js';
import { claimDueSlots } from '../cluster/slot-step.js';

/** At most this many `skip` events are emitted for slots missed in one pass (the log gives the count). */
export const MAX_SKIP_EVENTS = 10;

/** Why a slot is skipped while an earlier one is held for the task's dependencies (one held run at most). */
export const HELD_SKIP_REASON = 'a run is already waiting for its dependencies';

function skip(rt: Runtime, record: TaskRecord, scheduledFor: string, reason: string, ctx: StepContext): [TaskRecord, StepKind] {
  ctx.deferred.push(() => {
    rt.log(`Skipping the ${scheduledFor} run of ${record.task.name}: ${reason}`);
    rt.emitter.emit('skip', { name: record.task.name, scheduledFor, reason });
  });
  return [record, 'skipped'];
}

// One due slot, by the overlap policy when a run is live.
async function fireSlot(rt: Runtime, record: TaskRecord, req: LaunchRequest, ctx: StepContext): Promise<[TaskRecord, StepKind]> {
  const live = record.state.run;
  const slot = new Date(req.scheduledFor!).toISOString();
  if (isHeld(record)) return skip(rt, record, slot, HELD_SKIP_REASON, ctx);
  if (!live || record.task.overlap === 'allow') {
    // A dependency down (failed, stopped, not ready): the slot is held until it is ready, not run into a failure.
    const why = (record.task.dependsOn ?? []).length > 0 ? await dependencyGate(rt, record) : null;
    if (why !== null) return [holdForDependencies(rt, enqueue(rt, record, queuedRun(rt, req, 'dependency'), ctx, false, `waiting for its dependencies (${why})`), why, ctx), 'queued'];
    return launchOrQueue(rt, record, req, ctx);
  }
  if (record.task.overlap === 'skip') return skip(rt, record, slot, 'the previous run is still running', ctx);
  if (record.task.overlap === 'queue') {
    if (record.state.queue.some((q) => q.reason === 'overlap')) return skip(rt, record, slot, 'the previous run is still running and one run is already queued', ctx);
    return [enqueue(rt, record, queuedRun(rt, req, 'overlap'), ctx), 'queued'];
  }
  if (live.kill !== null) return skip(rt, record, slot, `the live run is being stopped (${live.kill}) and a run is already waiting`, ctx);
  // 'replace': stop the live run first; the new run waits at the head of the queue until it has exited.
  const marked = { ...live, kill: 'replace' as const, stopRequested: true };
  ctx.replace.push(live.runId);
  ctx.deferred.push(() => rt.log(`Replacing the live run ${live.runId} of ${record.task.name} (overlap: replace)`));
  const withQueue = record.state.queue.filter((q) => q.reason !== 'replace');
  return [enqueue(rt, { ...record, state: { ...record.state, run: marked, queue: withQueue } }, queuedRun(rt, req, 'replace'), ctx, true), 'queued'];
}

/**
 * Fires (or skips, or queues) what the schedule has due at `now`; returns the new record and what was done.
 * `now` may be ahead of the clock (`realNow`): a slot due by then is prepared now and spawned at its fire time.
 */
export async function scheduleStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, realNow = now): Promise<[TaskRecord, StepKind[]]> {
  const { task, state } = record;
  const timing = timingOfTask(task);
  if (!timing) return [record, []];
  const lastScheduledAt = state.lastScheduledAt ? Date.parse(state.lastScheduledAt) : null;
  const plan = planDue({
    timing, name: task.name, jitterMs: task.jitterMs, lastScheduledAt,
    // Planned ahead of the clock when preparing: lateness still counts from the real time.
    now, catchUp: task.catchUp, maxCatchUp: task.maxCatchUp, lateMs: CATCH_UP_THRESHOLD_MS + (now - realNow),
  });
  if (plan.fire.length === 0 && plan.missedCount === 0) return [record, []];
  const reqs = plan.fire.map((slot): LaunchRequest => {
    const fireAt = fireTimeOf(timing, task.name, slot, task.jitterMs);
    const req: LaunchRequest = { trigger: realNow - fireAt > CATCH_UP_THRESHOLD_MS ? 'catch-up' : 'schedule', scheduledFor: slot };
    if (fireAt > realNow) req.notBefore = fireAt;
    return req;
  });
  // Cluster mode: each slot is handled once in the cluster (its unique row); a slot handled elsewhere is not run here.
  const claim = await claimDueSlots(rt, task.name, reqs, lastScheduledAt, plan, ctx.undo);
  if (claim === 'refused') return [record, []];
  let current: TaskRecord = { ...record, state: { ...state, lastScheduledAt: plan.last === null ? state.lastScheduledAt : new Date(plan.last).toISOString() } };
  const kinds: StepKind[] = [];
  const missed = claim?.missed ?? { list: plan.missed, count: plan.missedCount };
  if (missed.count > 0) {
    const reason = `missed while no supervisor ran (catchUp: ${task.catchUp})`;
    ctx.deferred.push(() => rt.log(`Skipping ${missed.count} missed run(s) of ${task.name} (catchUp: ${task.catchUp})`));
    for (const slot of missed.list.slice(-MAX_SKIP_EVENTS)) {
      ctx.deferred.push(() => rt.emitter.emit('skip', { name: task.name, scheduledFor: new Date(slot).toISOString(), reason }));
    }
    kinds.push('skipped');
  }
  const mine = claim === null ? reqs : reqs.filter((req) => claim.mine.has(req.scheduledFor!));
  for (const [i, req] of mine.entries()) {
    if (i > 0) {
      if (isHeld(current)) {
        kinds.push(skip(rt, current, new Date(req.scheduledFor!).toISOString(), HELD_SKIP_REASON, ctx)[1]);
        continue;
      }
      current = enqueue(rt, current, queuedRun(rt, req, 'catch-up'), ctx);
      kinds.push('queued');
      continue;
    }
    const [next, kind] = await fireSlot(rt, current, req, ctx);
    current = next;
    kinds.push(kind);
  }
  return [current, kinds];
}

/**
 * The schedule of a task `waiting` with a slot held for its dependencies (its status turns the usual schedule step
 * off): slots that come meanwhile are skipped ({@link HELD_SKIP_REASON}), so the schedule goes on from where it is once
 * the held run has started. Returns the new record (still `waiting`), or null when nothing was due.
 * @example `const next = await heldScheduleStep(rt, record, rt.now(), ctx, kinds) ?? record;`
 */
export async function heldScheduleStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, kinds: StepKind[]): Promise<TaskRecord | null> {
  const { state } = record;
  if (state.status !== 'waiting' || scheduleOn(state) || !isHeld(record)) return null; // scheduleOn: the usual step does it
  const on: TaskRecord = { ...record, state: { ...state, status: 'scheduled' } };
  if (!scheduleDue(on, now)) return null;
  const [next, done] = await scheduleStep(rt, on, now, ctx);
  kinds.push(...done);
  return { ...next, state: { ...next.state, status: state.status } };
}

// One target of an event or chain (folder or cluster inbox): its run started or queued exactly once, under the task's
// lock, the event id kept in the task's `handledEvents`.
import { stopUnrecorded } from '../run/tree.js';
import { releaseSlot } from '../run/gate.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { launchOrQueue, newContext } from '../supervisor/steps.js';
import { chainStep } from '../chain/start.js';
import type { EventFile } from './pending.js';

/** How many handled event ids a task remembers (an event file is deleted long before this many more arrive). */
export const HANDLED_EVENTS_KEPT = 100;

/**
 * Under the task's lock: starts (or queues) the event's run for `target`, unless this task already handled the event
 * (then nothing). Rejects when the start could not be recorded (the target is then tried again).
 */
export async function startTarget(rt: Runtime, event: EventFile, target: { task: string; runId: string }): Promise<void> {
  const ctx = newContext();
  const started = await rt.store.mutateTask(target.task, async (record: TaskRecord | null) => {
    if (!record || record.state.handledEvents.includes(event.eventId)) return { record: null, result: false };
    const handledEvents = [...record.state.handledEvents, event.eventId].slice(-HANDLED_EVENTS_KEPT);
    const marked = { ...record, state: { ...record.state, handledEvents } };
    if (event.chain) return chainStep(rt, marked, event, target, ctx); // a chain file (after): chain/start.ts
    if (!record.state.enabled || !record.task.on.includes(event.type)) {
      ctx.deferred.push(() => rt.log(`Event ${event.type} (${event.eventId}): ${target.task} is ${record.state.enabled ? 'no longer subscribed' : 'disabled'}; no run`));
      return { record: marked, result: false };
    }
    const [next] = await launchOrQueue(rt, marked, { trigger: 'event', scheduledFor: null, runId: target.runId, data: event.payload, event: event.type, oneOff: true }, ctx);
    return { record: next, result: true, sideWrites: ctx.launches.map((l) => l.ledgerWrite) };
  }).catch(async (error: unknown) => {
    await stopUnrecorded(rt, ctx.launches);
    throw error;
  }).finally(() => releaseSlot(rt, ctx.reserved));
  if (started) rt.runOwners.set(target.runId, target.task);
  for (const emit of ctx.deferred) emit();
  for (const launched of ctx.launches) announceLaunch(rt, launched);
}

/**
 * Starts `targets` of `event` in parallel; errors are emitted as `error`. Resolves with the targets that failed (they
 * are kept, alone, for the next pass).
 */
export async function startTargets(rt: Runtime, event: EventFile, targets: EventFile['targets']): Promise<EventFile['targets']> {
  const results = await Promise.allSettled(targets.map((t) => startTarget(rt, event, t)));
  for (const r of results) if (r.status === 'rejected') rt.emitter.emit('error', r.reason as Error);
  return targets.filter((_, i) => results[i]!.status === 'rejected');
}

// The events inbox: `events/<eventId>.json` files (events, and chains: `chain.<upstreamRunId>.json`), each turned into
// one run per target task exactly once.
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { stopUnrecorded } from '../run/tree.js';
import { releaseSlot } from '../run/gate.js';
import type { Runtime } from '../runtime.js';
import { readJson, writeFileAtomic } from '../store/atomic.js';
import { JSON_EXT } from '../store/layout.js';
import type { TaskRecord } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { launchOrQueue, newContext } from '../supervisor/steps.js';
import { EVENTS_DIR, type EventFile } from './pending.js';
import { setChainProcessor } from '../chain/fire.js';
import { chainStep } from '../chain/start.js';

export { EVENTS_DIR, type EventFile } from './pending.js';

/** How many handled event ids a task remembers (an event file is deleted long before this many more arrive). */
export const HANDLED_EVENTS_KEPT = 100;

// Under the task's lock: start (or queue) the event's run, unless this task already handled the event.
async function startTarget(rt: Runtime, event: EventFile, target: { task: string; runId: string }): Promise<void> {
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

/** Handles one event file: a run for each target, in parallel, then the file is deleted. Null if it is gone or busy. */
export async function processEvent(rt: Runtime, file: string): Promise<EventFile | null> {
  const busy = rt.eventsInFlight; // a pass, a watcher wake and emitEvent may meet on one file
  if (busy.has(file)) return null;
  busy.add(file);
  try {
    const event = (await readJson(file).catch(() => null)) as EventFile | null;
    if (!event || !Array.isArray(event.targets)) return null;
    const results = await Promise.allSettled(event.targets.map((t) => startTarget(rt, event, t)));
    for (const r of results) if (r.status === 'rejected') rt.emitter.emit('error', r.reason as Error);
    // Targets that failed (e.g. a lock error) stay in the file, alone, so the next pass tries them again.
    const left = event.targets.filter((_, i) => results[i]!.status === 'rejected');
    if (left.length === 0) await unlink(file).catch(() => undefined);
    else if (left.length < event.targets.length) await writeFileAtomic(file, `${JSON.stringify({ ...event, targets: left })}\n`).catch(() => undefined);
    return event;
  } finally {
    busy.delete(file);
  }
}

/** Handles every pending event in the folder, oldest first. */
export async function processInbox(rt: Runtime): Promise<number> {
  const dir = join(rt.folder, EVENTS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(JSON_EXT)).sort();
  for (const f of files) await processEvent(rt, join(dir, f));
  return files.length;
}

// Chains fired by a close are started through run/close.ts → chain/fire.ts, which cannot import this module (a cycle).
setChainProcessor(processEvent);

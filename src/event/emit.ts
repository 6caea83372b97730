// emitEvent: one run of every enabled task subscribed to the event type, with the payload as its data.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { insertEventRow } from '../cluster/pg-events.js';
import { clusterOf } from '../cluster/pg-store.js';
import { checkPayload } from '../program/payload.js';
import { newRunId } from '../run/ids.js';
import type { Runtime } from '../runtime.js';
import { writeFileAtomic } from '../store/atomic.js';
import { JSON_EXT } from '../store/layout.js';
import { mayHandleEvents } from './elsewhere.js';
import { EVENTS_DIR, processInboxEntry, type EventFile } from './inbox.js';
import { assertEventType } from './type.js';

// Writes the event durably: a file of the folder's inbox, or in cluster mode a row of the `events` table (which wakes
// the hosts). Resolves with the entry to hand to `processInboxEntry`.
async function writeEvent(rt: Runtime, event: EventFile): Promise<string> {
  const cluster = clusterOf(rt.store);
  if (cluster !== null) {
    await insertEventRow(cluster.db, 'event', event.eventId, event);
    return event.eventId;
  }
  const dir = join(rt.folder, EVENTS_DIR);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${event.eventId}${JSON_EXT}`);
  await writeFileAtomic(file, `${JSON.stringify(event)}\n`);
  return file;
}

/**
 * Emits event `type`: writes it into the folder (in cluster mode, the database), so nothing is lost, then starts one
 * run of each enabled task whose `on` lists `type`, with `payload` as the run's `data`. This process starts them when it
 * supervises or when no supervisor runs (in a cluster: no supervising host is alive); otherwise a supervisor picks the
 * event up (within a second). Resolves with the runIds.
 */
export async function emitEvent(rt: Runtime, type: unknown, payload: unknown): Promise<string[]> {
  assertEventType(type);
  const { value } = checkPayload(payload, 'payload');
  const now = rt.now();
  const table = await rt.store.table();
  const subscribed = [...table.records.values()].filter((r) => r.state.enabled && r.task.on.includes(type));
  const event: EventFile = {
    eventId: newRunId(now), type, payload: value, emittedAt: new Date(now).toISOString(),
    targets: subscribed.map((r) => ({ task: r.task.name, runId: newRunId(now) })),
  };
  const runIds = event.targets.map((t) => t.runId);
  if (event.targets.length === 0) {
    rt.log(`Event ${type}: no enabled task is subscribed`);
    rt.emitter.emit('event', { eventId: event.eventId, type, runs: [] });
    return [];
  }
  for (const t of event.targets) rt.runOwners.set(t.runId, t.task);
  const entry = await writeEvent(rt, event);
  rt.log(`Event ${type} (${event.eventId}) for ${event.targets.map((t) => t.task).join(', ')}`);
  if (await mayHandleEvents(rt)) await processInboxEntry(rt, entry);
  rt.emitter.emit('event', { eventId: event.eventId, type, runs: event.targets });
  return runIds;
}

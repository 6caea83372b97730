// The global maxConcurrent gate: counts live runs in the table plus launches in flight in this process. Cluster mode:
// reservations are taken one process at a time in the cluster (cluster/gate-lock.ts), over the table read fresh, so
// the limit holds across hosts.
import { clusterOf } from '../cluster/pg-store.js';
import { giveGate, takeGate } from '../cluster/gate-lock.js';
import type { Runtime } from '../runtime.js';
import type { QueuedRun, TaskRecord } from '../store/records.js';
import { liveRuns } from './close.js';

function byAge(a: QueuedRun, b: QueuedRun): number {
  if (a.queuedAt !== b.queuedAt) return a.queuedAt < b.queuedAt ? -1 : 1;
  return (a.seq ?? 0) - (b.seq ?? 0);
}

/** True when the task's own `concurrency` limit is reached (never, without one). */
export function taskFull(record: TaskRecord): boolean {
  return record.task.concurrency !== null && liveRuns(record).length >= record.task.concurrency;
}

/**
 * True when the task's first queued run may start as far as the task is concerned (the global gate aside): with a
 * `concurrency` limit, while under it; without, when no main run is live, or for a `runTask` run queued for a slot.
 */
export function headMayStart(record: TaskRecord): boolean {
  const head = record.state.queue[0];
  if (!head) return false;
  if (record.task.concurrency !== null) return !taskFull(record);
  return record.state.run === null || (head.reason === 'concurrency' && head.oneOff);
}

/**
 * Live runs over the table, plus launches this process has reserved but not yet recorded: the cached table in a
 * folder (the lock of the task being launched is held), the table brought up to date under the gate in a cluster.
 */
async function usage(rt: Runtime, fresh: boolean): Promise<{ live: number; heads: QueuedRun[] }> {
  const table = await rt.store.table(fresh ? {} : { refresh: false });
  let live = rt.launching;
  const heads: QueuedRun[] = [];
  for (const record of table.records.values()) {
    live += liveRuns(record).length;
    // Only a head that could start now is waiting for a slot (a main-run start waits for the task's live run).
    const head = record.state.queue[0];
    if (head?.reason === 'concurrency' && headMayStart(record)) heads.push(head);
  }
  return { live, heads: heads.sort(byAge) };
}

/**
 * Reserves a run slot under `maxConcurrent`; release it with {@link releaseSlot} once the launch is recorded.
 * A new launch also waits while older runs are queued (first come, first served); `queued` is the run being
 * dequeued, which may go only if it is among the oldest that fit.
 */
export async function reserveSlot(rt: Runtime, queued: QueuedRun | null = null): Promise<boolean> {
  if (!Number.isFinite(rt.maxConcurrent)) return true;
  const cluster = clusterOf(rt.store);
  if (cluster !== null && !(await takeGate(cluster.db))) return false;
  let reserved = false;
  try {
    reserved = fits(rt, await usage(rt, cluster !== null), queued);
  } finally {
    if (cluster !== null && !reserved) giveGate(cluster.db);
  }
  if (reserved) rt.launching++;
  return reserved;
}

// Whether one more run fits under maxConcurrent, first come first served (see reserveSlot).
function fits(rt: Runtime, { live, heads }: { live: number; heads: QueuedRun[] }, queued: QueuedRun | null): boolean {
  const free = rt.maxConcurrent - live;
  if (free <= 0) return false;
  if (queued?.reason === 'concurrency') return heads.slice(0, free).some((h) => h.runId === queued.runId);
  return heads.length === 0 || (queued !== null && byAge(queued, heads[0]!) < 0);
}

/** Releases slots taken by {@link reserveSlot} (in a cluster, the gate's lock goes with the last one). */
export function releaseSlot(rt: Runtime, n = 1): void {
  if (!Number.isFinite(rt.maxConcurrent)) return;
  rt.launching = Math.max(0, rt.launching - n);
  const cluster = clusterOf(rt.store);
  if (cluster !== null) giveGate(cluster.db, n);
}

/** True when some task of the table has runs queued for a slot. */
export function hasQueued(record: TaskRecord): boolean {
  return record.state.queue.length > 0;
}

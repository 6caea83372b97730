// Cluster mode, in a supervising host's pass: claims runs handed to the hosts (jobs.ts), as many as this host has room
// for, and takes each into its task under the task's lock: launched, or queued there when a limit says so. A run its
// task already knows (taken before a crash, by its id) is not run again; then the rows are deleted.
import type { Runtime } from '../runtime.js';
import { liveRuns } from '../run/close.js';
import { releaseSlot } from '../run/gate.js';
import type { LaunchRequest } from '../run/launch.js';
import { stopUnrecorded } from '../run/tree.js';
import { droppedRecord } from '../run/query.js';
import type { QueuedRun, TaskRecord } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { launchOrQueue, newContext, type StepContext } from '../supervisor/steps.js';
import { claimedJobs, claimJobs, deleteJobs, releaseGoneClaims, unclaimJobs, type Job } from './jobs.js';
import { hostRoom } from './placement-step.js';
import { clusterOf } from './pg-store.js';

/** Most runs a host claims in one pass (so the other hosts get theirs). */
export const JOBS_BATCH = 32;

function requestOf(item: QueuedRun): LaunchRequest {
  return {
    trigger: item.trigger, scheduledFor: item.scheduledFor === null ? null : Date.parse(item.scheduledFor), runId: item.runId,
    triggerTime: item.triggerTime, args: item.args, env: item.env, queuedAt: item.queuedAt, oneOff: item.oneOff, data: item.data, event: item.event,
    envKept: true, // its secret values were kept when it was handed over (hand-run.ts)
  };
}

async function known(rt: Runtime, record: TaskRecord, runId: string): Promise<boolean> {
  if (record.state.queue.some((q) => q.runId === runId) || liveRuns(record).some((r) => r.runId === runId)) return true;
  return (await rt.store.readRun(record.task.name, runId).catch(() => null)) !== null;
}

// One task's claimed runs, under its lock. A run that cannot start (its script is gone…) is recorded as failed.
async function takeInto(rt: Runtime, name: string, items: QueuedRun[], ctx: StepContext): Promise<void> {
  const failed: Promise<unknown>[] = [];
  await rt.store.mutateTask(name, async (record) => {
    if (!record) return { record: null, result: null };
    let current = record;
    for (const item of items) {
      if (await known(rt, current, item.runId)) continue;
      const [next, kind] = await launchOrQueue(rt, current, requestOf(item), ctx);
      if (kind !== 'gave-up') { current = next; continue; }
      // As a folder's runTask that throws: the task's record is left as it was; the run is recorded as failed.
      const endedAt = new Date(rt.now()).toISOString();
      const message = ctx.error?.message ?? 'it could not start';
      failed.push(rt.store.writeRun({ ...droppedRecord(current, item, endedAt), status: 'failed', killedFor: null, stopped: false, erroredAt: endedAt, errorMessage: message }));
    }
    return { record: current === record ? null : current, result: null, sideWrites: [...ctx.launches.map((l) => l.ledgerWrite), ...failed] };
  }).catch(async (error: unknown) => {
    await stopUnrecorded(rt, ctx.launches); // spawned but not recorded: no process is left untracked
    throw error;
  }).finally(() => releaseSlot(rt, ctx.reserved));
}

// Runtimes with a pass armed for their next run exit (a listener each, at most one at a time).
const armed = new WeakSet<Runtime>();

function passOnNextExit(rt: Runtime): void {
  if (armed.has(rt)) return;
  armed.add(rt);
  rt.emitter.once('exit', () => {
    armed.delete(rt);
    rt.supervisor?.onChanged();
  });
}

/**
 * Claims and takes in the runs handed to the hosts that this host may run, within its capacity (its own claims left
 * from an earlier pass first). Resolves with how many runs it took; a failure is reported on the `error` event.
 * @example `if (supervise && rt.hosts !== null) await takeJobs(rt);`
 */
export async function takeJobs(rt: Runtime): Promise<number> {
  const cluster = clusterOf(rt.store);
  if (cluster === null || rt.host === null) return 0;
  const { db } = cluster;
  await releaseGoneClaims(db);
  let jobs = await claimedJobs(db, rt.host);
  if (jobs.length === 0) {
    const room = Math.min(JOBS_BATCH, await hostRoom(rt, 0));
    if (room > 0) jobs = await claimJobs(db, rt.host, db.config.labels, room);
    // Full, or maybe more runs waiting: the next run that ends here frees room, so it wakes a pass at once.
    if (room <= 0 || jobs.length === room) passOnNextExit(rt);
    if (room <= 0) return 0;
  }
  const byTask = new Map<string, Job['item'][]>();
  for (const job of jobs) byTask.set(job.task, [...(byTask.get(job.task) ?? []), job.item]);
  await Promise.all([...byTask].map(async ([name, items]) => {
    const ctx = newContext();
    try {
      await takeInto(rt, name, items, ctx);
    } catch (error) {
      // Nothing recorded (a spawned run was stopped): the claims go back, for a later pass or another host.
      await unclaimJobs(db, items.map((i) => i.runId)).catch(() => undefined);
      rt.log(`Could not take the runs handed to the hosts for ${name}: ${(error as Error).message}`);
      rt.emitter.emit('error', error as Error, { name });
      return;
    }
    for (const emit of ctx.deferred) emit();
    for (const launched of ctx.launches) announceLaunch(rt, launched);
    // Taken in: the rows go (a failure leaves them claimed; the next pass finds their runs known and deletes them).
    await deleteJobs(db, items.map((i) => i.runId)).catch((error: Error) => rt.log(`Could not delete the taken runs of ${name}: ${error.message}`));
  }));
  return jobs.length;
}

// Cluster mode: a run asked by a process that does not supervise (or may not run the task) is handed to the hosts:
// one row of the jobs table, claimed by a host (take-jobs.ts). No task lock is taken, so asking is one insert.
import type { LaunchRequest } from '../run/launch.js';
import type { Runtime } from '../runtime.js';
import type { TaskSpec } from '../store/records.js';
import { queuedRun } from '../supervisor/steps.js';
import { keepQueuedEnv } from '../task/secrets.js';
import { enqueueJob } from './jobs.js';
import { clusterOf } from './pg-store.js';
import { notifyWake } from './wake.js';

/**
 * Hands run `req` of `task` to the supervising hosts and wakes them; resolves with the run's id (it is queued until a
 * host claims it: `waitRun`, `getRun` and `cancelRun` find it meanwhile).
 * @example `const runId = await handToHosts(rt, record.task, { trigger: 'manual', scheduledFor: null, oneOff: true });`
 */
export async function handToHosts(rt: Runtime, task: TaskSpec, req: LaunchRequest): Promise<string> {
  const { db } = clusterOf(rt.store)!;
  const item = queuedRun(rt, req, 'concurrency');
  item.env = await keepQueuedEnv(rt, task, item.runId, item.env); // a secret value is kept outside the table
  await enqueueJob(db, task, item);
  rt.runOwners.set(item.runId, task.name);
  rt.log(`Handed a run of ${task.name} to the hosts (run ${item.runId}): a supervising host that may run it starts it`);
  rt.emitter.emit('queue', { name: task.name, runId: item.runId, reason: item.reason, queuedAt: item.queuedAt, scheduledFor: item.scheduledFor });
  await notifyWake(db, 'queue');
  return item.runId;
}

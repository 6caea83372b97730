// Finding a run by its id: live, queued, or in a task's ledger.
import { InvalidOptionError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, QueuedRun, RunRecord } from '../store/records.js';
import { pendingEventRun } from '../event/pending.js';
import { liveRuns } from './close.js';
import { findJob, taskOfRun, type Job } from '../cluster/jobs.js';
import { clusterOf } from '../cluster/pg-store.js';

/** The shape of a run id (`YYYYMMDD-HHmmss-SSS-xxxxxx`, or any id made of word characters, dots and dashes). */
export const RUN_ID_PATTERN = /^[\w.-]{1,200}$/;

/** Where a run is. */
export interface FoundRun {
  name: string;
  ledger: RunRecord | null;
  live: CurrentRun | null;
  /** The queue entry, or (for a run promised by an event still in the inbox) a stand-in for it. */
  queued: QueuedRun | null;
  /** Cluster mode: a run handed to the hosts and not yet taken into its task (claimed by a host, or not yet). */
  handed?: 'unclaimed' | 'claimed';
}

/** Throws `InvalidOptionError` unless `runId` looks like a run id. */
export function assertRunId(runId: unknown, option = 'runId'): asserts runId is string {
  if (typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) throw new InvalidOptionError(option, 'a run id returned by runTask, emitEvent or listRuns', runId);
}

/** Finds run `runId` in the folder (the task this process knows it by first), or null. */
export async function findRun(rt: Runtime, runId: string): Promise<FoundRun | null> {
  // Cluster mode: a run handed to the hosts first (its row goes only once its task's record has it), then the task its
  // ledger row names (one indexed read, not one per task).
  const cluster = clusterOf(rt.store);
  await cluster?.open(); // the schema, before the first query of a fresh Executor
  const job = cluster === null ? null : await findJob(cluster.db, runId);
  // The inbox first: an event file is deleted only once its runs are in their tasks' records.
  const pending = await pendingEventRun(rt, runId);
  const owner = cluster === null || job !== null ? null : await taskOfRun(cluster.db, runId);
  const known = rt.runOwners.get(runId) ?? pending?.task ?? job?.task ?? owner ?? undefined;
  const table = await rt.store.table();
  const names = known ? [known, ...[...table.records.keys()].filter((n) => n !== known)] : [...table.records.keys()];
  for (const name of names) {
    const record = name === known ? await rt.store.readTask(name).catch(() => null) : table.records.get(name)!;
    if (!record) continue;
    const live = liveRuns(record).find((r) => r.runId === runId) ?? null;
    const queued = record.state.queue.find((q) => q.runId === runId) ?? null;
    // In a cluster the ledger row's task is known already: other tasks' ledgers are not read one by one.
    const ledger = cluster !== null && name !== known && !live && !queued ? null : await rt.store.readRun(name, runId).catch(() => null);
    if (live || queued || ledger) return { name, ledger, live, queued };
  }
  if (job !== null) return handedRun(job);
  if (!pending) return null;
  // Emitted, not yet picked up by the supervisor: as good as queued.
  const { event } = pending;
  const queued: QueuedRun = {
    runId, trigger: event.chain ? 'chain' : 'event', scheduledFor: null, triggerTime: null, args: null, env: null, queuedAt: event.emittedAt, reason: 'concurrency',
    oneOff: true, seq: 0, data: event.payload, event: event.chain ? null : event.type,
  };
  return { name: pending.task, ledger: null, live: null, queued };
}

// Cluster mode: a run handed to the hosts, not yet taken into its task by one: as good as queued.
function handedRun(job: Job & { host: string | null }): FoundRun {
  return { name: job.task, ledger: null, live: null, queued: job.item, handed: job.host === null ? 'unclaimed' : 'claimed' };
}

/**
 * A run whose ledger record says it is live while its task's record has no such run (the process that ended it was
 * killed between the two writes) is recorded as ended with an unknown exit, under the task's lock. True if repaired.
 */
export async function repairOrphan(rt: Runtime, found: FoundRun): Promise<boolean> {
  if (!found.ledger || found.ledger.endedAt !== null || found.live || found.queued) return false;
  const runId = found.ledger.runId;
  return rt.store.mutateTask(found.name, async (record) => {
    const busy = record !== null && (liveRuns(record).some((r) => r.runId === runId) || record.state.queue.some((q) => q.runId === runId));
    const ledger = await rt.store.readRun(found.name, runId).catch(() => null);
    if (busy || !ledger || ledger.endedAt !== null) return { record: null, result: false };
    const endedAt = new Date(rt.now()).toISOString();
    const patch = { endedAt, exitUnknown: true, status: 'failed' as const, erroredAt: endedAt, errorMessage: ledger.errorMessage ?? 'The end of this run was not recorded' };
    return { record: null, result: true, sideWrites: [rt.store.updateRun(found.name, runId, patch)] };
  });
}

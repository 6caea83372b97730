// getRun and listRuns: run records as the folder has them, queued runs included.
import { InvalidOptionError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { listJobs } from '../cluster/jobs.js';
import { clusterOf } from '../cluster/pg-store.js';
import { freshRunExtras, FORMAT_VERSION, type QueuedRun, type RunRecord, type RunStatus, type TaskRecord } from '../store/records.js';
import { pendingSteps } from '../program/ledger.js';
import { assertTaskName } from '../task/name.js';
import { runNotFound, taskNotFound } from '../task/suggest.js';
import { assertRunId, findRun } from './find.js';

/** Default `limit` of `listRuns`. */
export const DEFAULT_LIST_RUNS_LIMIT = 100;
/** Accepted `status` values of `listRuns`. */
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** Options of `listRuns`. */
export interface ListRunsOptions {
  /** Only this task's runs. @defaultValue every task */
  task?: string;
  /** Only runs with this status. */
  status?: RunStatus;
  /** Only saved (`true`) or only unsaved (`false`) runs. */
  saved?: boolean;
  /** At most this many, newest first. @defaultValue 100 */
  limit?: number;
}

/** The record of a run still waiting in a task's queue (status `queued`; `startedAt` is when it was queued, `pid` 0). */
export function queuedRecord(record: TaskRecord, q: QueuedRun): RunRecord {
  return {
    formatVersion: FORMAT_VERSION, runId: q.runId, task: record.task.name, trigger: q.trigger, scheduledFor: q.scheduledFor, startedAt: q.queuedAt,
    pid: 0, pidStartTime: 0, bootId: '', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: '',
    errorFile: null, triggerTime: q.triggerTime, queuedAt: q.queuedAt, timedOut: false, killedFor: null,
    ...freshRunExtras(q.queuedAt, q.data, q.event), status: 'queued', steps: pendingSteps(record.task), step: record.task.steps ? 0 : null,
  };
}

/** The record of a queued run dropped before it started (cancelRun, stopTask): cancelled, its steps unprocessed. */
export function droppedRecord(record: TaskRecord, q: QueuedRun, endedAt: string): RunRecord {
  const run = queuedRecord(record, q);
  return { ...run, status: 'cancelled', stopped: true, endedAt, killedFor: 'cancel', steps: run.steps.map((s) => ({ ...s, status: 'unprocessed' as const })) };
}

/** The record of run `runId`; `RunNotFoundError` if the folder has no such run. */
export async function getRun(rt: Runtime, runId: unknown): Promise<RunRecord> {
  assertRunId(runId);
  const found = await findRun(rt, runId);
  if (found?.ledger) return found.ledger;
  if (found?.queued) {
    const record = await rt.store.readTask(found.name);
    if (record) return queuedRecord(record, found.queued);
  }
  throw await runNotFound(rt, runId);
}

/** Checks `listRuns`' options; throws `InvalidOptionError`. */
export function checkListOptions(options: unknown): Required<Pick<ListRunsOptions, 'limit'>> & ListRunsOptions {
  if (options === undefined) return { limit: DEFAULT_LIST_RUNS_LIMIT };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!['task', 'status', 'saved', 'limit'].includes(key)) throw new InvalidOptionError('options', 'made of known options (task, status, saved, limit)', key);
  if (o.task !== undefined) assertTaskName(o.task);
  if (o.status !== undefined && !RUN_STATUSES.includes(o.status as RunStatus)) throw new InvalidOptionError('status', `one of ${RUN_STATUSES.map((s) => JSON.stringify(s)).join(', ')}`, o.status);
  if (o.saved !== undefined && typeof o.saved !== 'boolean') throw new InvalidOptionError('saved', 'a boolean', o.saved);
  const limit = o.limit ?? DEFAULT_LIST_RUNS_LIMIT;
  if (!(Number.isInteger(limit) && (limit as number) >= 1)) throw new InvalidOptionError('limit', 'an integer >= 1', o.limit);
  return { ...(o as ListRunsOptions), limit: limit as number };
}

/** Runs of one task or all, newest first (by creation), filtered. */
// Cluster mode: the runs handed to the hosts and not yet taken into their tasks (queued), by task.
async function handedRuns(rt: Runtime, task: string | undefined): Promise<Map<string, QueuedRun[]>> {
  const cluster = clusterOf(rt.store);
  const byTask = new Map<string, QueuedRun[]>();
  if (cluster === null) return byTask;
  for (const job of await listJobs(cluster.db, task)) byTask.set(job.task, [...(byTask.get(job.task) ?? []), job.item]);
  return byTask;
}

export async function listRuns(rt: Runtime, options: unknown): Promise<RunRecord[]> {
  const o = checkListOptions(options);
  const table = await rt.store.table();
  if (o.task !== undefined && !table.records.has(o.task)) throw await taskNotFound(rt, o.task);
  const records = o.task === undefined ? [...table.records.values()] : [table.records.get(o.task)!];
  const handed = await handedRuns(rt, o.task);
  const all = (await Promise.all(records.map(async (record) => {
    const runs = [...(await rt.store.listRuns(record.task.name)), ...record.state.queue.map((q) => queuedRecord(record, q))];
    const seen = new Set(runs.map((r) => r.runId)); // a run being taken in is both: its task's copy wins
    return [...runs, ...(handed.get(record.task.name) ?? []).filter((q) => !seen.has(q.runId)).map((q) => queuedRecord(record, q))];
  }))).flat();
  const kept = all.filter((r) => (o.status === undefined || r.status === o.status) && (o.saved === undefined || (r.saved !== null) === o.saved));
  kept.sort((a, b) => (a.createdAt === b.createdAt ? (a.runId < b.runId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  return kept.slice(0, o.limit);
}

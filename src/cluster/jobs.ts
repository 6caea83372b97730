// Cluster mode: runs handed to the supervising hosts by a process that does not supervise (`runTask`). One row per
// run; a host claims rows with FOR UPDATE SKIP LOCKED (so two hosts never claim the same one, and neither waits for
// the other), then takes them into their tasks under the task's lock and deletes them. A dead host's claims go back.
import type { QueuedRun, TaskSpec } from '../store/records.js';
import type { Db } from './db.js';

/** A run handed to the hosts: its task and its queue entry. */
export interface Job { task: string; item: QueuedRun }

/**
 * Hands run `item` of `task` to the hosts (only those `task.hosts` / `task.labels` allow will claim it).
 * @example `await enqueueJob(db, record.task, queuedRun(rt, req, 'concurrency'));`
 */
export async function enqueueJob(db: Db, task: Pick<TaskSpec, 'name' | 'hosts' | 'labels'>, item: QueuedRun): Promise<void> {
  await db.query(`INSERT INTO ${db.table('jobs')} (run_id, task, item, hosts, labels) VALUES ($1, $2, $3, $4, $5)`,
    [item.runId, task.name, JSON.stringify(item), task.hosts ?? null, task.labels === undefined ? null : JSON.stringify(task.labels)]);
}

/**
 * Claims at most `limit` unclaimed runs that host `host` (with `labels`) may run, oldest first, skipping rows another
 * host is claiming right now.
 * @example `const jobs = await claimJobs(db, 'host-a', { gpu: true }, 8);`
 */
export async function claimJobs(db: Db, host: string, labels: Record<string, unknown>, limit: number): Promise<Job[]> {
  const t = db.table('jobs');
  const rows = await db.query<{ task: string; item: QueuedRun }>(
    `UPDATE ${t} SET host = $1, claimed_at = now() WHERE seq IN (
       SELECT seq FROM ${t} WHERE host IS NULL AND (hosts IS NULL OR $1 = ANY(hosts)) AND (labels IS NULL OR $2::jsonb @> labels)
       ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING task, item`, [host, JSON.stringify(labels), limit]);
  return rows.sort((a, b) => (a.item.queuedAt < b.item.queuedAt ? -1 : a.item.queuedAt > b.item.queuedAt ? 1 : a.item.seq - b.item.seq));
}

/**
 * Runs host `host` claimed earlier and has not taken into their tasks yet (a pass that failed half-way, or a restart).
 * @example `const mine = await claimedJobs(db, 'host-a');`
 */
export async function claimedJobs(db: Db, host: string): Promise<Job[]> {
  return db.query<Job>(`SELECT task, item FROM ${db.table('jobs')} WHERE host = $1 ORDER BY seq`, [host]);
}

/** Deletes the rows of runs taken into their tasks. */
export async function deleteJobs(db: Db, runIds: readonly string[]): Promise<void> {
  if (runIds.length > 0) await db.query(`DELETE FROM ${db.table('jobs')} WHERE run_id = ANY($1)`, [runIds]);
}

/** The run `runId` still waiting to be claimed or taken, or null. */
export async function findJob(db: Db, runId: string): Promise<(Job & { host: string | null }) | null> {
  const [row] = await db.query<Job & { host: string | null }>(`SELECT task, item, host FROM ${db.table('jobs')} WHERE run_id = $1`, [runId]);
  return row ?? null;
}

/**
 * Cancels run `runId` while no host has claimed it: true when its row was deleted (false: claimed meanwhile, or gone).
 * @example `if (await cancelJob(db, runId)) …`
 */
export async function cancelJob(db: Db, runId: string): Promise<boolean> {
  return (await db.query(`DELETE FROM ${db.table('jobs')} WHERE run_id = $1 AND host IS NULL RETURNING run_id`, [runId])).length > 0;
}

/** Every run handed to the hosts for `task` (newest last), e.g. to list or count them. */
export async function jobsOf(db: Db, task: string): Promise<QueuedRun[]> {
  return (await db.query<{ item: QueuedRun }>(`SELECT item FROM ${db.table('jobs')} WHERE task = $1 ORDER BY seq`, [task])).map((r) => r.item);
}

/**
 * A dead host's claims go back to the queue, for a live host to claim (the runs it already took into their tasks are
 * found there by their run ids and not run twice).
 * @example `await releaseJobs(db, 'host-a');`
 */
export async function releaseJobs(db: Db, host: string): Promise<void> {
  await db.query(`UPDATE ${db.table('jobs')} SET host = NULL, claimed_at = NULL WHERE host = $1`, [host]);
}

/** How long a cancel waits for a claimed run to be taken into its task (ms), and how often it looks. */
export const TAKEN_WAIT_MS = 5_000;
const TAKEN_POLL_MS = 20;

/**
 * Waits (at most {@link TAKEN_WAIT_MS}) until run `runId`'s row is gone: its host took it into its task.
 * @example `await waitUntilTaken(db, runId); // then cancel it in its task's record`
 */
export async function waitUntilTaken(db: Db, runId: string): Promise<void> {
  const deadline = Date.now() + TAKEN_WAIT_MS;
  while (Date.now() < deadline && (await findJob(db, runId)) !== null) await new Promise((resolve) => setTimeout(resolve, TAKEN_POLL_MS));
}

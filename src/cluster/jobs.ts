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
  // Fenced: only while this process's registration of the host stands (a thawed supervisor whose host was claimed
  // dead, or re-registered by another process, claims nothing).
  const rows = await db.query<{ task: string; item: QueuedRun }>(
    `UPDATE ${t} SET host = $1, claimed_at = now() WHERE seq IN (
       SELECT seq FROM ${t} WHERE host IS NULL AND (hosts IS NULL OR $1 = ANY(hosts)) AND (labels IS NULL OR $2::jsonb @> labels)
       ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
     AND EXISTS (SELECT 1 FROM ${db.table('hosts')} WHERE host = $1 AND pid = $4 AND down_at IS NULL AND stopped_at IS NULL)
     RETURNING task, item`, [host, JSON.stringify(labels), limit, process.pid]);
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

/**
 * Every run handed to the hosts and not yet taken in (of `task`, or of every task), oldest first.
 * @example `const waiting = await listJobs(db, 'load');`
 */
export async function listJobs(db: Db, task?: string): Promise<Job[]> {
  return task === undefined
    ? db.query<Job>(`SELECT task, item FROM ${db.table('jobs')} ORDER BY seq`)
    : db.query<Job>(`SELECT task, item FROM ${db.table('jobs')} WHERE task = $1 ORDER BY seq`, [task]);
}

/**
 * Claims of hosts found dead or stopped go back to the queue (a release missed when the host was claimed, or a host
 * that stopped with runs claimed). One statement, run by each host's pass.
 * @example `await releaseGoneClaims(db);`
 */
export async function releaseGoneClaims(db: Db): Promise<void> {
  await db.query(`UPDATE ${db.table('jobs')} SET host = NULL, claimed_at = NULL WHERE host IN (
    SELECT host FROM ${db.table('hosts')} WHERE down_at IS NOT NULL OR stopped_at IS NOT NULL)`);
}

/** Runs `runIds` claimed by this host go back to the queue (taking them in failed: another pass, or host, tries). */
export async function unclaimJobs(db: Db, runIds: readonly string[]): Promise<void> {
  if (runIds.length > 0) await db.query(`UPDATE ${db.table('jobs')} SET host = NULL, claimed_at = NULL WHERE run_id = ANY($1)`, [runIds]);
}

/**
 * A dead host's claims go back to the queue, for a live host to claim (the runs it already took into their tasks are
 * found there by their run ids and not run twice).
 * @example `await releaseJobs(db, 'host-a');`
 */
export async function releaseJobs(db: Db, host: string): Promise<void> {
  await db.query(`UPDATE ${db.table('jobs')} SET host = NULL, claimed_at = NULL WHERE host = $1`, [host]);
}

/** How often a cancel looks at a claimed run's row, ms. */
const TAKEN_POLL_MS = 20;

/**
 * Waits until run `runId`'s row is gone (its host took it into its task: true) or no longer claimed (its host died and
 * the claim went back: false), at most `waitMs` (false).
 * @example `if (await waitUntilTaken(db, runId, leaseMs + 10_000)) …cancel it in its task's record`
 */
export async function waitUntilTaken(db: Db, runId: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const job = await findJob(db, runId);
    if (job === null) return true;
    if (job.host === null || Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, TAKEN_POLL_MS));
  }
}

/**
 * The task whose ledger has run `runId` (one indexed read of the runs table), or null.
 * @example `await taskOfRun(db, runId) // 'load'`
 */
export async function taskOfRun(db: Db, runId: string): Promise<string | null> {
  const [row] = await db.query<{ task: string }>(`SELECT task FROM ${db.table('runs')} WHERE run_id = $1 LIMIT 1`, [runId]);
  return row?.task ?? null;
}

/**
 * Deletes `task`'s runs handed to the hosts that no host has claimed (its task was stopped or removed); resolves with
 * them, to be recorded as cancelled.
 * @example `const dropped = await deleteUnclaimedJobs(db, 'load');`
 */
export async function deleteUnclaimedJobs(db: Db, task: string): Promise<QueuedRun[]> {
  return (await db.query<{ item: QueuedRun }>(`DELETE FROM ${db.table('jobs')} WHERE task = $1 AND host IS NULL RETURNING item`, [task])).map((r) => r.item);
}

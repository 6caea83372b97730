// Cluster mode: the copy of program steps' checkpoints (their EXECUTOR_STATE_FILE) kept in the database, so a run
// whose host dies resumes on another host at its current step with that step's last checkpoint. One row per
// (task, run, step); the rows of a run go when it ends.
import type { Db } from './db.js';

/** One step's checkpoint as kept in the cluster. */
export interface CheckpointRow {
  step: string;
  /** The state file's text. */
  state: string;
}

/**
 * Keeps `state` as the checkpoint of step `step` of run `runId` of `task` (inserted, or replacing the one kept), unless
 * `host` (the writer's) has been found dead: a host that thaws after its runs were taken over cannot overwrite the
 * checkpoints their new host keeps. Resolves with whether it was kept.
 * @example `await saveCheckpoint(db, 'etl', runId, 'load', '{"offset":40}', 'host-a') // true`
 */
export async function saveCheckpoint(db: Db, task: string, runId: string, step: string, state: string, host: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO ${db.table('checkpoints')} (task, run_id, step, state, at)
     SELECT $1, $2, $3, $4, now() WHERE NOT EXISTS (SELECT 1 FROM ${db.table('hosts')} WHERE host = $5 AND down_at IS NOT NULL)
     ON CONFLICT (task, run_id, step) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at
     RETURNING 1`,
    [task, runId, step, state, host],
  );
  return rows.length > 0;
}

/**
 * The checkpoints kept for run `runId` of `task`, one per step that wrote one (none: `[]`).
 * @example `for (const { step, state } of await readCheckpoints(db, 'etl', runId)) …`
 */
export async function readCheckpoints(db: Db, task: string, runId: string): Promise<CheckpointRow[]> {
  return db.query<CheckpointRow>(`SELECT step, state FROM ${db.table('checkpoints')} WHERE task = $1 AND run_id = $2 ORDER BY step`, [task, runId]);
}

/**
 * Forgets the checkpoints of run `runId` of `task` (it ended), or with `runId` null, of every run of `task`.
 * @example `await dropCheckpoints(db, 'etl', runId)`
 */
export async function dropCheckpoints(db: Db, task: string, runId: string | null): Promise<void> {
  if (runId === null) await db.query(`DELETE FROM ${db.table('checkpoints')} WHERE task = $1`, [task]);
  else await db.query(`DELETE FROM ${db.table('checkpoints')} WHERE task = $1 AND run_id = $2`, [task, runId]);
}

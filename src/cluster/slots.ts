// Cluster mode: each slot of a scheduled task is handled once in the cluster, through a unique (task, slot) row, as
// pg-boss and graphile-worker dedupe their cron. A host inserts the row (ON CONFLICT DO NOTHING) before it launches,
// queues or skips the slot's run; a slot whose row exists was handled by another host (or by a stale view of this
// one), and is not run again. The insert is fenced: a supervisor whose host was claimed down (or registered again by
// another process) claims nothing, so a host that thaws with a stale view cannot run a slot twice.
import type { Db } from './db.js';

/** Rows kept per task: older slots' rows are deleted as new ones are claimed (a stale view older than that is not guarded). */
export const SLOT_ROWS_KEPT = 100;

/** One slot a host wants to handle, with the id its run gets. */
export interface WantedSlot {
  /** The slot (epoch ms). */
  at: number;
  /** The id of the run the slot starts or queues. */
  runId: string;
}

/** A claim of due slots of one task. */
export interface SlotClaim {
  task: string;
  /** This host's name. */
  host: string;
  /**
   * The pid of this host's supervisor when this process supervises (the fence: refused when the host's row names
   * another pid, or was claimed down or stopped), or null for a pass of a process not registered as a host (`tick()`).
   */
  supervisorPid: number | null;
  slots: readonly WantedSlot[];
}

/** What a claim got. */
export interface ClaimedSlots {
  /** False when the fence refused the claim: this host may not handle any slot now (nothing was written). */
  allowed: boolean;
  /** The slots this claim got (epoch ms); the others' rows already existed. */
  mine: Set<number>;
}

const toMs = (value: unknown): number => (value instanceof Date ? value.getTime() : Date.parse(String(value)));

/**
 * Inserts one row per wanted slot, unless it exists, in one statement (fenced, see {@link SlotClaim.supervisorPid});
 * the same statement deletes the task's rows older than its newest {@link SLOT_ROWS_KEPT}.
 * @example `const { allowed, mine } = await claimSlots(db, { task: 'report', host: 'a', supervisorPid: process.pid, slots });`
 */
export async function claimSlots(db: Db, claim: SlotClaim): Promise<ClaimedSlots> {
  if (claim.slots.length === 0) return { allowed: true, mine: new Set() };
  const slots = db.table('slots');
  const at = claim.slots.map((s) => new Date(s.at).toISOString());
  const rows = await db.query<{ allowed: boolean; mine: unknown[] }>(`WITH fence AS (
      SELECT $4::int IS NULL OR NOT EXISTS (SELECT 1 FROM ${db.table('hosts')} WHERE host = $2
        AND (pid <> $4::int OR down_at IS NOT NULL OR stopped_at IS NOT NULL)) AS allowed
    ), claimed AS (
      INSERT INTO ${slots} (task, slot, host, run_id)
      SELECT $1, w.slot, $2, w.run_id FROM unnest($3::timestamptz[], $5::text[]) AS w(slot, run_id), fence WHERE fence.allowed
      ON CONFLICT (task, slot) DO NOTHING RETURNING slot
    ), pruned AS (
      DELETE FROM ${slots} WHERE task = $1 AND slot <> ALL($3::timestamptz[])
        AND slot < (SELECT slot FROM ${slots} WHERE task = $1 ORDER BY slot DESC OFFSET $6 LIMIT 1)
    )
    SELECT (SELECT allowed FROM fence) AS allowed, ARRAY(SELECT slot FROM claimed) AS mine`,
  [claim.task, claim.host, at, claim.supervisorPid, claim.slots.map((s) => s.runId), SLOT_ROWS_KEPT - 1]);
  const row = rows[0]!;
  return { allowed: row.allowed, mine: new Set(row.mine.map(toMs)) };
}

/**
 * The slots of `task` in `(after, upTo]` (epoch ms) that some host handled: a view that missed them (a stale
 * `lastScheduledAt`) must not report them as missed.
 * @example `const handled = await handledSlots(db, 'report', last, plan.last);`
 */
export async function handledSlots(db: Db, task: string, after: number, upTo: number): Promise<Set<number>> {
  const rows = await db.query<{ slot: unknown }>(`SELECT slot FROM ${db.table('slots')} WHERE task = $1 AND slot > $2 AND slot <= $3`,
    [task, new Date(after).toISOString(), new Date(upTo).toISOString()]);
  return new Set(rows.map((r) => toMs(r.slot)));
}

/**
 * Deletes every slot row of `task` (its removal: a task added again under the name starts with no slot handled).
 * @example `await forgetSlots(db, 'report');`
 */
export async function forgetSlots(db: Db, task: string): Promise<void> {
  await db.query(`DELETE FROM ${db.table('slots')} WHERE task = $1`, [task]);
}

/**
 * Gives back the rows of slots claimed for runs `runIds` whose record was never written (the database went away
 * between the claim and the write): the slots are then run by the next pass, here or on another host, not lost.
 * @example `await releaseSlots(db, 'report', ['20260101-080000-000-abc123']);`
 */
export async function releaseSlots(db: Db, task: string, runIds: readonly string[]): Promise<void> {
  if (runIds.length > 0) await db.query(`DELETE FROM ${db.table('slots')} WHERE task = $1 AND run_id = ANY($2)`, [task, runIds]);
}

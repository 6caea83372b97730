// The run ledger in PostgreSQL: one row per run (task, run_id, record), writes of one run in order, as the folder's
// RunLedger keeps them.
import { checkRunRecord } from '../store/record-check.js';
import type { RunRecord } from '../store/records.js';
import type { Db } from './db.js';

/** The run ledger of a cluster (see the file comment). */
export class PgRuns {
  readonly #db: Db;
  // Writes of one run are serialised, so a later update never overwrites a newer one.
  readonly #queue = new Map<string, Promise<void>>();

  constructor(db: Db) {
    this.#db = db;
  }

  // Runs `fn` after every write of this run queued so far.
  #serial(task: string, runId: string, fn: () => Promise<void>): Promise<void> {
    const key = `${task}/${runId}`;
    const next = (this.#queue.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.#queue.set(key, next);
    void next.catch(() => undefined).then(() => { if (this.#queue.get(key) === next) this.#queue.delete(key); });
    return next;
  }

  // What a message names a run row as.
  #label(task: string, runId: string): string {
    return `${this.#db.config.display} ${this.#db.config.schema}.runs (${task}, ${runId})`;
  }

  /** Writes a whole run record (after the writes of it queued before). */
  write(run: RunRecord): Promise<void> {
    return this.#serial(run.task, run.runId, async () => {
      await this.#db.query(`INSERT INTO ${this.#db.table('runs')} (task, run_id, record) VALUES ($1, $2, $3::jsonb)
        ON CONFLICT (task, run_id) DO UPDATE SET record = EXCLUDED.record`, [run.task, run.runId, JSON.stringify(run)]);
    });
  }

  /** Merges `patch` into a run record (a key patched to `undefined` goes); writes `fallback` when there is none. */
  update(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void> {
    const dropped = Object.entries(patch).filter(([, v]) => v === undefined).map(([k]) => k);
    return this.#serial(task, runId, async () => {
      const set = `(record - $3::text[]) || $4::jsonb`;
      const updated = await this.#db.query(`UPDATE ${this.#db.table('runs')} SET record = ${set} WHERE task = $1 AND run_id = $2 RETURNING 1`,
        [task, runId, dropped, JSON.stringify(patch)]);
      if (updated.length > 0 || fallback === undefined) return;
      await this.#db.query(`INSERT INTO ${this.#db.table('runs')} AS r (task, run_id, record) VALUES ($1, $2, $5::jsonb)
        ON CONFLICT (task, run_id) DO UPDATE SET record = (r.record - $3::text[]) || $4::jsonb`, [task, runId, dropped, JSON.stringify(patch), JSON.stringify(fallback)]);
    });
  }

  /** Reads a run record (after this process's own pending writes of it); null if absent. */
  async read(task: string, runId: string): Promise<RunRecord | null> {
    await this.#queue.get(`${task}/${runId}`)?.catch(() => undefined);
    const rows = await this.#db.query<{ record: unknown }>(`SELECT record FROM ${this.#db.table('runs')} WHERE task = $1 AND run_id = $2`, [task, runId]);
    return rows.length === 0 ? null : checkRunRecord(this.#label(task, runId), rows[0]!.record);
  }

  /** Every readable run record of `task`, oldest first (by run id). */
  async list(task: string): Promise<RunRecord[]> {
    const rows = await this.#db.query<{ run_id: string; record: unknown }>(`SELECT run_id, record FROM ${this.#db.table('runs')} WHERE task = $1 ORDER BY run_id`, [task]);
    const out: RunRecord[] = [];
    for (const row of rows) {
      try { out.push(checkRunRecord(this.#label(task, row.run_id), row.record)); } catch { /* unreadable: left out, as in a folder */ }
    }
    return out;
  }

  /** The run ids of `task`, oldest first. */
  async ids(task: string): Promise<string[]> {
    const rows = await this.#db.query<{ run_id: string }>(`SELECT run_id FROM ${this.#db.table('runs')} WHERE task = $1 ORDER BY run_id`, [task]);
    return rows.map((r) => r.run_id);
  }

  /** Deletes one run record (after this process's pending writes of it). */
  deleteOne(task: string, runId: string): Promise<void> {
    return this.#serial(task, runId, async () => {
      await this.#db.query(`DELETE FROM ${this.#db.table('runs')} WHERE task = $1 AND run_id = $2`, [task, runId]);
    });
  }

  /** Removes the task's run ledger. */
  async delete(task: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#db.table('runs')} WHERE task = $1`, [task]);
  }
}

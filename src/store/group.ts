// Batches of task mutations under held locks, committed as groups (startAll): an optional capability of a TaskStore.
import type { RunRecord, TaskRecord } from './records.js';
import type { TaskStore } from './store.js';

/** A task lock held by a batch, with the record read once it was taken. */
export interface HeldTask {
  /** The task's record, read fresh under the lock; null when there is no such task. */
  record: TaskRecord | null;
  /**
   * Lets the lock go (idempotent); resolves once it is gone (the batch's clean-ups of this task done first). Call it
   * once the batch's writes of this task are done, or if they fail.
   */
  release(): Promise<void>;
}

/** A store that can hold several task locks at once and write their records as one group commit. */
export interface GroupStore {
  /**
   * Takes the task's lock and holds it until `release()`; resolves once it is held, with the fresh record. Rejects
   * (the lock let go) with `CorruptRecordError` when the record cannot be read, or `LockError` when the lock cannot
   * be taken.
   */
  holdTask(name: string): Promise<HeldTask>;
  /**
   * Takes the folder's batch lock, held while a batch takes several task locks: with it, a batch may take them all at
   * once, as no other batch is taking any (a task lock is otherwise only held alone, never while waiting for another).
   * Resolves with its release, which resolves once the lock is gone.
   */
  holdBatch(): Promise<() => Promise<void>>;
  /**
   * Writes `records` (each with `rev + 1`) and the run ledger records `runs` as one group commit: every file written
   * and fsync'd (one fsync per file, all at once), then all renamed, then the names journalled in one append.
   * Call while holding every record's lock. A failure leaves every record as it was and rejects with a typed error
   * naming the file.
   */
  publishTasks(records: TaskRecord[], runs?: RunRecord[]): Promise<void>;
}

/**
 * The store's group-commit side, or null when it has none (a batch then falls back to one mutation per task).
 * @example `const group = groupStoreOf(rt.store); if (group) await group.publishTasks(records);`
 */
export function groupStoreOf(store: TaskStore): GroupStore | null {
  const candidate = store as Partial<GroupStore>;
  const able = typeof candidate.holdTask === 'function' && typeof candidate.holdBatch === 'function' && typeof candidate.publishTasks === 'function';
  return able ? (store as TaskStore & GroupStore) : null;
}

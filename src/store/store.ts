// The storage interface the rest of the library talks to. The JSON folder implements it;
// a database-backed store can implement it later without touching process or schedule code.
import type { CorruptRecordError } from '../errors.js';
import type { HeldLease, LeaseHolder } from './lease.js';
import type { RunRecord, TaskRecord } from './records.js';

/** What a mutation callback returns: the record to write (or `'delete'`, or `null` to leave it), and a result. */
export interface Mutation<T> {
  record: TaskRecord | 'delete' | null;
  result: T;
  /** Other writes started by the callback (e.g. run ledger records); awaited, in parallel with the record write, before the lock is released. */
  sideWrites?: Promise<unknown>[];
}

/** A snapshot of the task table. */
export interface TaskTable {
  records: ReadonlyMap<string, TaskRecord>;
  /** Records that could not be read, by task name. */
  errors: ReadonlyMap<string, CorruptRecordError>;
}

/** Storage of the task table, run ledger, supervisor lease and executor log. */
export interface TaskStore {
  /** Reads one task fresh from storage; `null` if absent. Throws `CorruptRecordError`. */
  readTask(name: string): Promise<TaskRecord | null>;
  /**
   * Runs `fn` on the fresh record under the task's cross-process lock, then writes what it returns. A record that
   * cannot be read throws `CorruptRecordError`, unless `corrupt: 'absent'`: `fn` then gets `null`, and what it returns
   * overwrites or deletes the bad entry.
   */
  mutateTask<T>(name: string, fn: (current: TaskRecord | null) => Promise<Mutation<T>>, options?: { corrupt?: 'throw' | 'absent' }): Promise<T>;
  /**
   * Writes `record` durably now, from inside `mutateTask(record.task.name, …)`'s callback (the lock is held), before the
   * callback goes on to act: an intent (e.g. a run about to be spawned) that a crash must not lose. The record the
   * callback returns is written over it as usual.
   */
  stageTask(record: TaskRecord): Promise<void>;
  /**
   * Runs `fn` under the table's relations lock (one holder at a time across processes): an addTask that checks its
   * `dependsOn` / `after` against the table holds it from the check to the write, so two concurrent adds cannot make
   * a cycle that neither saw. Taken before a task lock, never while one is held.
   */
  withRelationsLock<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * The whole table (sorted by name), brought up to date with other processes' changes (incrementally).
   * `full` re-reads every record; `refresh: false` returns what this store already knows, without any I/O once loaded.
   */
  table(options?: { full?: boolean; refresh?: boolean }): Promise<TaskTable>;
  /** Writes a run ledger record. */
  writeRun(run: RunRecord): Promise<void>;
  /** Merges `patch` into a run ledger record (in order with other writes of that run); writes `fallback` if absent (else no-op). */
  updateRun(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void>;
  /** Reads a run ledger record; `null` if absent. */
  readRun(task: string, runId: string): Promise<RunRecord | null>;
  /** All run records of a task, oldest first. */
  listRuns(task: string): Promise<RunRecord[]>;
  /** The ids of a task's run records, oldest first (without reading them). */
  listRunIds(task: string): Promise<string[]>;
  /** Deletes one run record (absent: nothing to do). */
  deleteRun(task: string, runId: string): Promise<void>;
  /** Where a run's exit-status file lives (written by the process shim). */
  statusFile(task: string, runId: string): string;
  /** Removes a task's run ledger. */
  deleteRuns(task: string): Promise<void>;
  /** Takes the supervisor lease, or throws `LeaseHeldError`. */
  acquireLease(holder: Omit<LeaseHolder, 'hostname' | 'since'>, isHolderAlive: (h: LeaseHolder) => boolean, onLost: (e: Error) => void): Promise<HeldLease>;
  /** Removes leftovers of writers killed mid-write (temp files older than a minute). */
  sweep(): Promise<number>;
  /** Appends a line to the executor log. */
  appendLog(line: string): Promise<void>;
  /** Waits for queued log lines. */
  flushLog(): Promise<void>;
  /** Path of the current executor log file. */
  readonly logFile: string;
  /** Lets go of what the store holds open (a cluster's connections); the folder's holds nothing. */
  close(): Promise<void>;
}

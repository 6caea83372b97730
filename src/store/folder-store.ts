// The JSON-folder implementation of TaskStore: one file per task, one per run, atomic writes,
// per-task lock directories, an append-only change journal and an in-memory cache.
import { join } from 'node:path';
import { CorruptRecordError } from '../errors.js';
import { ensureSubfolders, prepareFolder } from './folder-check.js';
import { listTaskFiles, reloadRecord, sweepTempFiles } from './folder-files.js';
import { Journal } from './journal.js';
import { acquireLease, type HeldLease, type LeaseHolder } from './lease.js';
import { LockSet, type CompromisedHandler } from './lock.js';
import { ExecutorLog } from './log.js';
import { FORMAT_VERSION, type RunRecord, type TaskRecord } from './records.js';
import type { Mutation, TaskStore, TaskTable } from './store.js';
import { FOLDER_LAYOUT, JSON_EXT } from './layout.js';
import { RunLedger } from './run-ledger.js';
import { deleteRecord, publishRecord, publishRecords } from './record-write.js';
import type { GroupStore, HeldTask } from './group.js';
import { loadTaskFiles, readTaskFile, readTaskFileSync, taskFileOf } from './task-files.js';

export { FOLDER_LAYOUT } from './layout.js';
/** The lock a batch of tasks (startAll) holds while it takes their locks: in locks/, named as no task can be. */
export const BATCH_LOCK = '.batch.lock';
/** The lock addTask holds while it checks and writes a task's relations (`dependsOn`, `after`): in locks/, named as no task can be. */
export const RELATIONS_LOCK = '.relations.lock';
export { TEMP_MAX_AGE_MS } from './folder-files.js';

/** What `mutateTask` does with a record that cannot be read: throw its `CorruptRecordError`, or treat it as absent (and overwrite or delete it). */
export type CorruptPolicy = 'throw' | 'absent';

/** The JSON-folder store. */
export class FolderStore implements TaskStore, GroupStore {
  readonly #folder: string;
  readonly #locks: LockSet;
  readonly #journal: Journal;
  readonly #log: ExecutorLog;
  #cache = new Map<string, TaskRecord>();
  #errors = new Map<string, CorruptRecordError>();
  // The sorted table `table()` hands out, made again only after the cache changed (a 10,000-task table is copied and
  // sorted in ~1.5 ms: too much for every stop, start and pass).
  #view: TaskTable | null = null;
  #loaded = false;
  // table() calls run one at a time, so a reload is never seen half-done and journal offsets never race.
  #tableQueue: Promise<unknown> = Promise.resolve();
  readonly #runs: RunLedger;
  // Per task: clean-ups of its published changes still running (old entries kept aside being removed).
  readonly #cleanups = new Map<string, Promise<void>[]>();

  /** Opens (creating if needed) the folder and its sub-folders; throws `FolderError` naming an entry that is wrong. */
  constructor(folder: string, onCompromised: CompromisedHandler) {
    this.#folder = folder;
    prepareFolder(folder);
    ensureSubfolders(folder, [FOLDER_LAYOUT.tasks, FOLDER_LAYOUT.runs, FOLDER_LAYOUT.locks]);
    this.#locks = new LockSet(onCompromised);
    this.#journal = new Journal(join(folder, FOLDER_LAYOUT.journal));
    this.#log = new ExecutorLog(join(folder, FOLDER_LAYOUT.log));
    this.#runs = new RunLedger(folder);
  }

  get logFile(): string {
    return this.#log.file;
  }

  /** Lines of `journal.log` this store skipped as not task names (the rest of torn writes). */
  get skippedJournalLines(): number {
    return this.#journal.skippedLines;
  }

  #taskFile(name: string): string {
    return taskFileOf(this.#folder, name);
  }

  /** Reads one task; `null` if absent. A file that is not a valid record (`null`, a folder…) throws `CorruptRecordError`. */
  readTask(name: string): Promise<TaskRecord | null> {
    return readTaskFile(this.#taskFile(name), name);
  }

  // The record a mutation starts from; with `corrupt: 'absent'`, an unreadable one is null (and is then overwritten or deleted).
  #current(name: string, corrupt: CorruptPolicy): TaskRecord | null {
    try {
      return readTaskFileSync(this.#taskFile(name), name);
    } catch (error) {
      if (corrupt === 'absent' && error instanceof CorruptRecordError) return null;
      throw error;
    }
  }

  /**
   * Runs `fn` on the fresh record under the task's lock, then writes what it returns. The record is written, then the
   * change journalled; if either fails the record is put back as it was, so a rejected mutation changes nothing.
   * `corrupt: 'absent'` hands an unreadable record to `fn` as `null` (`addTask` with `replace`, `removeTask`).
   */
  async mutateTask<T>(name: string, fn: (current: TaskRecord | null) => Promise<Mutation<T>>, options: { corrupt?: CorruptPolicy } = {}): Promise<T> {
    const lockPath = join(this.#folder, FOLDER_LAYOUT.locks, `${name}.lock`);
    return this.#locks.with(lockPath, async () => {
      try {
        return await this.#mutate(name, fn, options.corrupt ?? 'throw');
      } finally {
        await this.#settle(name); // the old entries kept aside are gone before the lock is
      }
    });
  }

  async #mutate<T>(name: string, fn: (current: TaskRecord | null) => Promise<Mutation<T>>, corrupt: CorruptPolicy): Promise<T> {
    const current = this.#current(name, corrupt);
    const { record, result, sideWrites = [] } = await fn(current);
    const side = Promise.all(sideWrites);
    side.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled
    if (record === 'delete') {
      try {
        await deleteRecord(this.#taskFile(name), () => this.#journal.append(name));
      } finally {
        await side.catch(() => undefined); // never release the lock with a side write in flight
      }
      this.#forget(name);
    } else if (record) {
      await this.#publish({ ...record, rev: (current?.rev ?? 0) + 1 }, side);
    }
    await side; // rethrows a side-write failure, after the record is written and journalled
    return result;
  }

  // Clean-ups of a task's published changes (see Published), awaited before its lock is let go.
  #track(name: string, cleanups: Promise<void>[]): void {
    const list = this.#cleanups.get(name);
    if (list) list.push(...cleanups);
    else this.#cleanups.set(name, [...cleanups]);
  }

  async #settle(name: string): Promise<void> {
    const list = this.#cleanups.get(name);
    if (!list) return;
    this.#cleanups.delete(name);
    await Promise.all(list);
  }

  // Writes and journals a record (restoring the old one if either fails), then caches it.
  async #publish(record: TaskRecord, side: Promise<unknown>): Promise<void> {
    const { name } = record.task;
    const next: TaskRecord = { ...record, formatVersion: FORMAT_VERSION, updatedAt: new Date().toISOString() };
    const { cleanup } = await publishRecord(this.#taskFile(name), `${JSON.stringify(next, null, 2)}\n`, side, () => this.#journal.append(name));
    this.#track(name, [cleanup]);
    this.#remember(next);
  }

  // The cache changes only through these two (and a full reload in #table), so the sorted view is dropped with it.
  #remember(record: TaskRecord): void {
    this.#cache.set(record.task.name, record);
    this.#errors.delete(record.task.name);
    this.#view = null;
  }

  #forget(name: string): void {
    this.#cache.delete(name);
    this.#errors.delete(name);
    this.#view = null;
  }

  async stageTask(record: TaskRecord): Promise<void> {
    await this.#publish({ ...record, rev: record.rev + 1 }, Promise.resolve());
  }

  holdTask(name: string): Promise<HeldTask> {
    return this.#hold(join(this.#folder, FOLDER_LAYOUT.locks, `${name}.lock`), name);
  }

  async holdBatch(): Promise<() => Promise<void>> {
    return (await this.#hold(join(this.#folder, FOLDER_LAYOUT.locks, BATCH_LOCK), null)).release;
  }

  async withRelationsLock<T>(fn: () => Promise<T>): Promise<T> {
    const release = (await this.#hold(join(this.#folder, FOLDER_LAYOUT.locks, RELATIONS_LOCK), null)).release;
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  // Holds the lock at `lockPath` until released; with a task `name`, reads its record once held.
  #hold(lockPath: string, name: string | null): Promise<HeldTask> {
    return new Promise<HeldTask>((resolve, reject) => {
      let letGo!: () => void;
      const released = new Promise<void>((done) => { letGo = done; });
      const held = this.#locks.with(lockPath, async () => {
        let record: TaskRecord | null = null;
        try {
          if (name !== null) record = readTaskFileSync(this.#taskFile(name), name);
        } catch (error) {
          reject(error as Error);
          return;
        }
        resolve({ record, release: () => { letGo(); return gone; } });
        await released;
        if (name !== null) await this.#settle(name);
      });
      const gone = held.then(() => undefined, () => undefined);
      held.catch(reject);
    });
  }

  async publishTasks(records: TaskRecord[], runs: RunRecord[] = []): Promise<void> {
    const updatedAt = new Date().toISOString();
    const next = records.map((r): TaskRecord => ({ ...r, rev: r.rev + 1, formatVersion: FORMAT_VERSION, updatedAt }));
    // Each record's temp file is made in its task's run folder: one folder's creations wait for each other, so the
    // group's are spread over folders (its rename moves it into tasks/).
    const files = next.map((r) => ({ file: this.#taskFile(r.task.name), data: `${JSON.stringify(r, null, 2)}\n`, tempDir: this.#runs.runDir(r.task.name) }));
    const ledgers = runs.map((run) => ({ file: this.#runs.runFile(run.task, run.runId), data: `${JSON.stringify(run, null, 2)}\n` }));
    const journal = (): Promise<void> => Promise.all(next.map((r) => this.#journal.append(r.task.name))).then(() => undefined);
    const commit = publishRecords(files, ledgers, journal);
    for (const { file } of ledgers) void this.#runs.serial(file, () => commit.then(() => undefined, () => undefined)); // readRun waits for it
    const published = await commit;
    next.forEach((r, i) => {
      this.#track(r.task.name, [published[i]!.cleanup]);
      this.#remember(r);
    });
  }

  table(options: { full?: boolean; refresh?: boolean } = {}): Promise<TaskTable> {
    const next = this.#tableQueue.catch(() => undefined).then(() => this.#table(options));
    this.#tableQueue = next;
    return next;
  }

  async #table(options: { full?: boolean; refresh?: boolean }): Promise<TaskTable> {
    if (options.refresh === false && this.#loaded) return this.#snapshot();
    const changes = this.#loaded && !options.full ? await this.#journal.changes() : ({ kind: 'reset' } as const);
    if (changes.kind === 'reset') {
      await this.#journal.markSeen();
      const files = await listTaskFiles(this.#folder);
      const names = files.filter((f) => f.endsWith(JSON_EXT)).map((f) => f.slice(0, -JSON_EXT.length));
      // Load into fresh maps and swap them in at once.
      const cache = new Map<string, TaskRecord>();
      const errors = new Map<string, CorruptRecordError>();
      await loadTaskFiles(this.#folder, names, cache, errors);
      this.#cache = cache;
      this.#errors = errors;
      this.#loaded = true;
      this.#view = null;
    } else if (changes.names.size > 0) {
      await Promise.all([...changes.names].map((n) => reloadRecord((r) => this.readTask(r), n, this.#cache, this.#errors)));
      this.#view = null;
    }
    return this.#snapshot();
  }

  // A copy of the cache, sorted by name (the same object until the cache changes: callers only read it).
  #snapshot(): TaskTable {
    this.#view ??= { records: new Map([...this.#cache].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), errors: new Map(this.#errors) };
    return this.#view;
  }

  statusFile(task: string, runId: string): string {
    return join(this.#runs.runDir(task), `${runId}.exit`);
  }

  writeRun(run: RunRecord): Promise<void> {
    return this.#runs.write(run);
  }

  updateRun(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void> {
    return this.#runs.update(task, runId, patch, fallback);
  }

  readRun(task: string, runId: string): Promise<RunRecord | null> {
    return this.#runs.read(task, runId);
  }

  listRuns(task: string): Promise<RunRecord[]> {
    return this.#runs.list(task);
  }

  listRunIds(task: string): Promise<string[]> {
    return this.#runs.ids(task);
  }

  deleteRun(task: string, runId: string): Promise<void> {
    return this.#runs.deleteOne(task, runId);
  }

  deleteRuns(task: string): Promise<void> {
    return this.#runs.delete(task);
  }

  acquireLease(holder: Omit<LeaseHolder, 'hostname' | 'since'>, isHolderAlive: (h: LeaseHolder) => boolean, onLost: (e: Error) => void): Promise<HeldLease> {
    return acquireLease(this.#folder, {
      lockPath: join(this.#folder, FOLDER_LAYOUT.leaseLock),
      holderFile: join(this.#folder, FOLDER_LAYOUT.leaseHolder),
      holder, isHolderAlive, onLost,
    });
  }

  sweep(): Promise<number> {
    return sweepTempFiles(this.#folder);
  }

  appendLog(line: string): Promise<void> {
    return this.#log.append(line);
  }

  flushLog(): Promise<void> {
    return this.#log.flush();
  }

  async close(): Promise<void> {
    await this.#log.flush();
  }
}

// The JSON-folder implementation of TaskStore: one file per task, one per run, atomic writes,
// per-task lock directories, an append-only change journal and an in-memory cache.
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptRecordError } from '../errors.js';
import { readJson, TEMP_SUFFIX, writeFileAtomic } from './atomic.js';
import { Journal } from './journal.js';
import { acquireLease, type HeldLease, type LeaseHolder } from './lease.js';
import { LockSet, type CompromisedHandler } from './lock.js';
import { ExecutorLog } from './log.js';
import { checkRunRecord, checkTaskRecord } from './record-check.js';
import { FORMAT_VERSION, type RunRecord, type TaskRecord } from './records.js';
import type { Mutation, TaskStore, TaskTable } from './store.js';
import { FOLDER_LAYOUT, JSON_EXT } from './layout.js';

export { FOLDER_LAYOUT } from './layout.js';
/** Temp files older than this are leftovers of a killed writer. */
export const TEMP_MAX_AGE_MS = 60_000;

/** The JSON-folder store. */
export class FolderStore implements TaskStore {
  readonly #folder: string;
  readonly #locks: LockSet;
  readonly #journal: Journal;
  readonly #log: ExecutorLog;
  #cache = new Map<string, TaskRecord>();
  #errors = new Map<string, CorruptRecordError>();
  #loaded = false;
  // table() calls run one at a time, so a reload is never seen half-done and journal offsets never race.
  #tableQueue: Promise<unknown> = Promise.resolve();
  // Ledger writes of one run file are serialised, so a later update never overwrites a newer one.
  readonly #runQueue = new Map<string, Promise<void>>();

  constructor(folder: string, onCompromised: CompromisedHandler) {
    this.#folder = folder;
    for (const dir of [FOLDER_LAYOUT.tasks, FOLDER_LAYOUT.runs, FOLDER_LAYOUT.locks]) mkdirSync(join(folder, dir), { recursive: true });
    this.#locks = new LockSet(onCompromised);
    this.#journal = new Journal(join(folder, FOLDER_LAYOUT.journal));
    this.#log = new ExecutorLog(join(folder, FOLDER_LAYOUT.log));
  }

  get logFile(): string {
    return this.#log.file;
  }

  #taskFile(name: string): string {
    return join(this.#folder, FOLDER_LAYOUT.tasks, `${name}${JSON_EXT}`);
  }

  async readTask(name: string): Promise<TaskRecord | null> {
    const file = this.#taskFile(name);
    const value = await readJson(file);
    return value === null ? null : checkTaskRecord(file, value, name);
  }

  async mutateTask<T>(name: string, fn: (current: TaskRecord | null) => Promise<Mutation<T>>): Promise<T> {
    const lockPath = join(this.#folder, FOLDER_LAYOUT.locks, `${name}.lock`);
    return this.#locks.with(lockPath, async () => {
      const current = await this.readTask(name);
      const { record, result, sideWrites = [] } = await fn(current);
      const side = Promise.all(sideWrites);
      side.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled
      if (record === 'delete') {
        await unlink(this.#taskFile(name)).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
        this.#cache.delete(name);
        await this.#journal.append(name);
      } else if (record) {
        const next: TaskRecord = { ...record, formatVersion: FORMAT_VERSION, rev: (current?.rev ?? 0) + 1, updatedAt: new Date().toISOString() };
        // Wait for both even if one fails, so the lock is never released with a rename still in flight.
        const [written] = await Promise.allSettled([writeFileAtomic(this.#taskFile(name), `${JSON.stringify(next, null, 2)}\n`), side]);
        if (written.status === 'rejected') throw written.reason;
        this.#cache.set(name, next);
        this.#errors.delete(name);
        await this.#journal.append(name);
      }
      await side; // rethrows a side-write failure, after the record is written and journalled
      return result;
    });
  }

  async stageTask(record: TaskRecord): Promise<void> {
    const { name } = record.task;
    const next: TaskRecord = { ...record, formatVersion: FORMAT_VERSION, rev: record.rev + 1, updatedAt: new Date().toISOString() };
    await writeFileAtomic(this.#taskFile(name), `${JSON.stringify(next, null, 2)}\n`);
    this.#cache.set(name, next);
    await this.#journal.append(name);
  }

  // Re-reads one record into the given maps; a read older than what is cached (lower rev) is dropped.
  async #reload(name: string, cache: Map<string, TaskRecord>, errors: Map<string, CorruptRecordError>): Promise<void> {
    try {
      const record = await this.readTask(name);
      const cached = cache.get(name);
      if (record && cached && record.task.addedAt === cached.task.addedAt && record.rev < cached.rev) return;
      if (record) cache.set(name, record);
      else cache.delete(name);
      errors.delete(name);
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      cache.delete(name);
      errors.set(name, error);
    }
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
      const files = await readdir(join(this.#folder, FOLDER_LAYOUT.tasks));
      const names = files.filter((f) => f.endsWith(JSON_EXT)).map((f) => f.slice(0, -JSON_EXT.length));
      // Load into fresh maps and swap them in at once.
      const cache = new Map<string, TaskRecord>();
      const errors = new Map<string, CorruptRecordError>();
      await Promise.all(names.map((n) => this.#reload(n, cache, errors)));
      this.#cache = cache;
      this.#errors = errors;
      this.#loaded = true;
    } else {
      await Promise.all([...changes.names].map((n) => this.#reload(n, this.#cache, this.#errors)));
    }
    return this.#snapshot();
  }

  // A copy of the cache, sorted by name.
  #snapshot(): TaskTable {
    return { records: new Map([...this.#cache].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), errors: new Map(this.#errors) };
  }

  #runDir(task: string): string {
    return join(this.#folder, FOLDER_LAYOUT.runs, task);
  }

  statusFile(task: string, runId: string): string {
    return join(this.#runDir(task), `${runId}.exit`);
  }

  #serialRun(file: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.#runQueue.get(file) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.#runQueue.set(file, next);
    void next.catch(() => undefined).then(() => {
      if (this.#runQueue.get(file) === next) this.#runQueue.delete(file);
    });
    return next;
  }

  writeRun(run: RunRecord): Promise<void> {
    const file = join(this.#runDir(run.task), `${run.runId}${JSON_EXT}`);
    return this.#serialRun(file, async () => {
      await mkdir(this.#runDir(run.task), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(run, null, 2)}\n`);
    });
  }

  updateRun(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void> {
    const file = join(this.#runDir(task), `${runId}${JSON_EXT}`);
    return this.#serialRun(file, async () => {
      const run = await this.#readRunFile(file).catch(() => null);
      const next = run ? { ...run, ...patch } : fallback;
      if (!next) return;
      await mkdir(this.#runDir(task), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
    });
  }

  async readRun(task: string, runId: string): Promise<RunRecord | null> {
    const file = join(this.#runDir(task), `${runId}${JSON_EXT}`);
    await this.#runQueue.get(file)?.catch(() => undefined); // read after this process's own pending writes of it
    return this.#readRunFile(file);
  }

  async #readRunFile(file: string): Promise<RunRecord | null> {
    const value = await readJson(file);
    return value === null ? null : checkRunRecord(file, value);
  }

  async listRuns(task: string): Promise<RunRecord[]> {
    const files = await readdir(this.#runDir(task)).catch(() => [] as string[]);
    const ids = files.filter((f) => f.endsWith(JSON_EXT)).map((f) => f.slice(0, -JSON_EXT.length)).sort();
    const runs = await Promise.all(ids.map((id) => this.readRun(task, id).catch(() => null)));
    return runs.filter((r): r is RunRecord => r !== null);
  }

  async deleteRuns(task: string): Promise<void> {
    await rm(this.#runDir(task), { recursive: true, force: true });
  }

  acquireLease(holder: Omit<LeaseHolder, 'hostname' | 'since'>, isHolderAlive: (h: LeaseHolder) => boolean, onLost: (e: Error) => void): Promise<HeldLease> {
    return acquireLease(this.#folder, {
      lockPath: join(this.#folder, FOLDER_LAYOUT.leaseLock),
      holderFile: join(this.#folder, FOLDER_LAYOUT.leaseHolder),
      holder, isHolderAlive, onLost,
    });
  }

  async sweep(): Promise<number> {
    const dirs = [join(this.#folder, FOLDER_LAYOUT.tasks), this.#folder];
    const runDirs = await readdir(join(this.#folder, FOLDER_LAYOUT.runs)).catch(() => [] as string[]);
    dirs.push(...runDirs.map((d) => join(this.#folder, FOLDER_LAYOUT.runs, d)));
    const cutoff = Date.now() - TEMP_MAX_AGE_MS;
    let removed = 0;
    for (const dir of dirs) {
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        if (!f.endsWith(TEMP_SUFFIX)) continue;
        const info = await stat(join(dir, f)).catch(() => null);
        if (info && info.mtimeMs < cutoff && (await unlink(join(dir, f)).then(() => true, () => false))) removed++;
      }
    }
    return removed;
  }

  appendLog(line: string): Promise<void> {
    return this.#log.append(line);
  }

  flushLog(): Promise<void> {
    return this.#log.flush();
  }
}

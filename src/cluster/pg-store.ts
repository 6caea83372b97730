// The TaskStore of cluster mode: the task table, run ledger and log in PostgreSQL; what stays on this host (status
// files, temp-file sweeps, the supervisor lease of this host's folder, the local copy of the log) in its folder.
import { CorruptRecordError, IdMismatchError } from '../errors.js';
import type { FolderStore } from '../store/folder-store.js';
import type { HeldLease, LeaseHolder } from '../store/lease.js';
import { checkTaskRecord } from '../store/record-check.js';
import { FORMAT_VERSION, type RunRecord, type TaskRecord } from '../store/records.js';
import type { Mutation, TaskStore, TaskTable } from '../store/store.js';
import type { Db } from './db.js';
import { PgLog } from './pg-log.js';
import { PgRuns } from './pg-runs.js';
import { migrate } from './schema.js';
import { forgetSlots } from './slots.js';
import { deleteUnclaimedJobs } from './jobs.js';

/** How a PgStore learns and reports the cluster's id. */
export interface ClusterIdentity {
  /** The id this Executor was given (`options.id`), or null. */
  given: string | null;
  /** The id to store when the cluster is new (the local folder's). */
  proposed: string;
  /** Called once with the cluster's id. */
  onId: (id: string) => void;
}

type CorruptPolicy = 'throw' | 'absent';

/** The cluster's TaskStore (see the file comment). */
export class PgStore implements TaskStore {
  readonly #db: Db;
  readonly #local: FolderStore;
  readonly #identity: ClusterIdentity;
  readonly #runs: PgRuns;
  readonly #log: PgLog;
  #ready: Promise<void> | null = null;
  #cache = new Map<string, { seq: string; record: TaskRecord }>();
  #errors = new Map<string, CorruptRecordError>();
  #view: TaskTable | null = null;
  #loaded = false;
  #tableQueue: Promise<unknown> = Promise.resolve();

  constructor(db: Db, local: FolderStore, identity: ClusterIdentity) {
    this.#db = db;
    this.#local = local;
    this.#identity = identity;
    this.#runs = new PgRuns(db);
    this.#log = new PgLog(db);
  }

  /** The cluster database (call {@link PgStore.open} before using it directly). */
  get db(): Db {
    return this.#db;
  }

  /** Connects and creates or migrates the schema (once; again after a failure). */
  open(): Promise<void> {
    return this.#open();
  }

  // Connects, migrates and reads the cluster's id, once (again after a failure).
  #open(): Promise<void> {
    this.#ready ??= (async () => {
      await migrate(this.#db);
      const { given, proposed, onId } = this.#identity;
      const meta = this.#db.table('meta');
      await this.#db.query(`INSERT INTO ${meta} (key, value) VALUES ('id', $1::jsonb) ON CONFLICT (key) DO NOTHING`, [JSON.stringify(given ?? proposed)]);
      const rows = await this.#db.query<{ value: string }>(`SELECT value FROM ${meta} WHERE key = 'id'`);
      const id = rows[0]!.value;
      if (given !== null && given !== id) throw new IdMismatchError(this.#db.config.display, id, given);
      onId(id);
    })().catch((error: unknown) => {
      this.#ready = null;
      throw this.#db.wrap(error);
    });
    return this.#ready;
  }

  // What a message names a task row as.
  #label(name: string): string {
    return `${this.#db.config.display} ${this.#db.config.schema}.tasks (${name})`;
  }

  #check(name: string, value: unknown): TaskRecord {
    return checkTaskRecord(this.#label(name), value, name);
  }

  async readTask(name: string): Promise<TaskRecord | null> {
    await this.#open();
    const rows = await this.#db.query<{ record: unknown }>(`SELECT record FROM ${this.#db.table('tasks')} WHERE name = $1`, [name]);
    return rows.length === 0 ? null : this.#check(name, rows[0]!.record);
  }

  async #current(name: string, corrupt: CorruptPolicy): Promise<TaskRecord | null> {
    try {
      return await this.readTask(name);
    } catch (error) {
      if (corrupt === 'absent' && error instanceof CorruptRecordError) return null;
      throw error;
    }
  }

  async mutateTask<T>(name: string, fn: (current: TaskRecord | null) => Promise<Mutation<T>>, options: { corrupt?: CorruptPolicy } = {}): Promise<T> {
    await this.#open();
    return this.#db.withTaskLock(name, async () => {
      const current = await this.#current(name, options.corrupt ?? 'throw');
      const { record, result, sideWrites = [] } = await fn(current);
      const side = Promise.all(sideWrites);
      side.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled
      try {
        if (record === 'delete') await this.#delete(name);
        else if (record) await this.#publish({ ...record, rev: (current?.rev ?? 0) + 1 });
      } finally {
        await side.catch(() => undefined); // never let the lock go with a side write in flight
      }
      await side;
      return result;
    });
  }

  async stageTask(record: TaskRecord): Promise<void> {
    await this.#publish({ ...record, rev: record.rev + 1 });
  }

  async #publish(record: TaskRecord): Promise<void> {
    const next: TaskRecord = { ...record, formatVersion: FORMAT_VERSION, updatedAt: new Date().toISOString() };
    const rows = await this.#db.query<{ seq: string }>(`INSERT INTO ${this.#db.table('tasks')} (name, record, seq) VALUES ($1, $2::jsonb, nextval('${this.#db.config.schema}.task_seq'))
      ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record, seq = EXCLUDED.seq RETURNING seq`, [next.task.name, JSON.stringify(next)]);
    this.#cache.set(next.task.name, { seq: rows[0]!.seq, record: next });
    this.#errors.delete(next.task.name);
    this.#view = null;
  }

  async #delete(name: string): Promise<void> {
    await this.#db.query(`DELETE FROM ${this.#db.table('tasks')} WHERE name = $1`, [name]);
    this.#cache.delete(name);
    this.#errors.delete(name);
    this.#view = null;
  }

  async withRelationsLock<T>(fn: () => Promise<T>): Promise<T> {
    await this.#open();
    return this.#db.withRelationsLock(fn);
  }

  table(options: { full?: boolean; refresh?: boolean } = {}): Promise<TaskTable> {
    const next = this.#tableQueue.catch(() => undefined).then(() => this.#table(options));
    this.#tableQueue = next;
    return next;
  }

  // Brings the cache up to date: every name's change number, then the records that changed (all with `full`).
  async #table(options: { full?: boolean; refresh?: boolean }): Promise<TaskTable> {
    if (options.refresh === false && this.#loaded) return this.#snapshot();
    await this.#open();
    // Every name's change number, compared one by one: a newest-number check alone would miss a write whose number
    // was taken before another's but committed after it (docs/cluster.md, "On paper").
    const seqs = await this.#db.query<{ name: string; seq: string }>(`SELECT name, seq FROM ${this.#db.table('tasks')}`);
    const stale = seqs.filter((r) => options.full === true || this.#cache.get(r.name)?.seq !== r.seq || this.#errors.has(r.name)).map((r) => r.name);
    const present = new Set(seqs.map((r) => r.name));
    let changed = false;
    for (const name of [...this.#cache.keys(), ...this.#errors.keys()]) {
      if (present.has(name)) continue;
      this.#cache.delete(name);
      this.#errors.delete(name);
      changed = true;
    }
    if (stale.length > 0) {
      const rows = await this.#db.query<{ name: string; seq: string; record: unknown }>(`SELECT name, seq, record FROM ${this.#db.table('tasks')} WHERE name = ANY($1::text[])`, [stale]);
      for (const row of rows) {
        try {
          this.#cache.set(row.name, { seq: row.seq, record: this.#check(row.name, row.record) });
          this.#errors.delete(row.name);
        } catch (error) {
          if (!(error instanceof CorruptRecordError)) throw error;
          this.#cache.delete(row.name);
          this.#errors.set(row.name, error);
        }
      }
      changed = true;
    }
    if (changed) this.#view = null;
    this.#loaded = true;
    return this.#snapshot();
  }

  #snapshot(): TaskTable {
    this.#view ??= {
      records: new Map([...this.#cache].map(([n, c]) => [n, c.record] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      errors: new Map(this.#errors),
    };
    return this.#view;
  }

  async writeRun(run: RunRecord): Promise<void> {
    await this.#open();
    await this.#runs.write(run);
  }

  async updateRun(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void> {
    await this.#open();
    await this.#runs.update(task, runId, patch, fallback);
  }

  async readRun(task: string, runId: string): Promise<RunRecord | null> {
    await this.#open();
    return this.#runs.read(task, runId);
  }

  async listRuns(task: string): Promise<RunRecord[]> {
    await this.#open();
    return this.#runs.list(task);
  }

  async listRunIds(task: string): Promise<string[]> {
    await this.#open();
    return this.#runs.ids(task);
  }

  async deleteRun(task: string, runId: string): Promise<void> {
    await this.#open();
    await this.#runs.deleteOne(task, runId);
  }

  statusFile(task: string, runId: string): string {
    return this.#local.statusFile(task, runId);
  }

  async deleteRuns(task: string): Promise<void> {
    await this.#open();
    // The ledger, this host's run files, the task's slot rows (a task added again fires its slots again) and its
    // runs handed to the hosts not yet claimed.
    await Promise.all([this.#runs.delete(task), this.#local.deleteRuns(task), forgetSlots(this.#db, task), deleteUnclaimedJobs(this.#db, task)]);
  }

  acquireLease(holder: Omit<LeaseHolder, 'hostname' | 'since'>, isHolderAlive: (h: LeaseHolder) => boolean, onLost: (e: Error) => void): Promise<HeldLease> {
    return this.#local.acquireLease(holder, isHolderAlive, onLost); // one supervisor per host's folder
  }

  sweep(): Promise<number> {
    return this.#local.sweep();
  }

  async appendLog(line: string): Promise<void> {
    await Promise.all([this.#local.appendLog(line), this.#open().then(() => this.#log.append(line))]);
  }

  async flushLog(): Promise<void> {
    await Promise.all([this.#local.flushLog(), this.#log.flush()]);
  }

  get logFile(): string {
    return this.#local.logFile;
  }

  /** Closes the pool (the Executor's `close()`). */
  close(): Promise<void> {
    return this.#db.end();
  }
}

/**
 * The cluster store behind `store`, or null for a folder.
 * @example `const cluster = clusterOf(rt.store); if (cluster) await cluster.db.query('SELECT 1');`
 */
export function clusterOf(store: TaskStore): PgStore | null {
  return store instanceof PgStore ? store : null;
}
